"""Pure rules of the emergency loop: alarm rules, warning levels, CAP messages, hazards (stdlib only)."""
