"""cases/domain."""
