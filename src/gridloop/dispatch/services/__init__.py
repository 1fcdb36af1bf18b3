"""dispatch/services."""
