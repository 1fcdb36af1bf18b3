"""platform/db."""
