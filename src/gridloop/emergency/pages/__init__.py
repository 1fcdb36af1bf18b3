"""Console pages of the emergency loop (server-rendered, Chinese first)."""
