"""cases/services."""
