"""Drill adapters: scenario files (YAML + JSON Schema), the printable PDF."""
