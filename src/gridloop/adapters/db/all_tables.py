"""Imports every table module so that `Base.metadata` is complete (for Alembic and test schemas)."""

from __future__ import annotations

from gridloop.adapters.db import tables, tables_triage

__all__ = ["tables", "tables_triage"]
