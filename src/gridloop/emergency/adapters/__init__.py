"""Implementations at the edge: CSV readings, rule files, CAP schema validation."""
