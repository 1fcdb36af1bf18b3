"""dispatch/domain."""
