"""triage/services."""
