"""Export-control use cases: screen and store, batch, control-list import, administrator settings."""
