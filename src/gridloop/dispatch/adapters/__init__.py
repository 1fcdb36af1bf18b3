"""dispatch/adapters."""
