"""platform/cli."""
