"""Use cases of the knowledge base."""
