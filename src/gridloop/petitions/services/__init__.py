"""Petition use cases; the only layer that commits, and the capability's public face."""
