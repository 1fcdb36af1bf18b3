"""Imports every table module so `Base.metadata` is complete (migrations, create_all)."""

from gridloop.adapters.db import tables, tables_dispatch, tables_geo, tables_triage  # noqa: F401
