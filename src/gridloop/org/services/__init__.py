"""org/services."""
