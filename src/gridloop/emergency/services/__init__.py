"""Use cases of the emergency loop."""
