"""geo/services."""
