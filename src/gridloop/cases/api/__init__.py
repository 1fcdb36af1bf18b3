"""cases/api."""
