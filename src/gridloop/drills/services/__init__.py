"""Drill use cases: runs, injects, the scripted responder, scoring and the after-action report."""
