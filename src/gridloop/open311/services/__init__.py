"""Open311 use cases: keys, the service list, creating and reading requests."""
