"""triage/cli."""
