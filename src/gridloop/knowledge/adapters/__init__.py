"""Adapters of the knowledge base: tokenisation, the lexical index, file readers."""
