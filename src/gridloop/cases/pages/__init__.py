"""cases/pages."""
