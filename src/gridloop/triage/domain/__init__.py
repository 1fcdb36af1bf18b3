"""triage/domain."""
