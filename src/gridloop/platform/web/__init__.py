"""platform/web."""
