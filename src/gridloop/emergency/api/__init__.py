"""HTTP API of the emergency loop."""
