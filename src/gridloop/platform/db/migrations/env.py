"""Alembic environment: runs migrations on the connection handed over by `gridloop db upgrade`."""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import create_engine

config = context.config
# The complete metadata is handed over by the caller (gridloop db revision); when Alembic's own CLI runs this file,
# the wiring module that knows every capability is looked up by name (the platform imports no capability).
target_metadata = config.attributes.get("target_metadata") or importlib.import_module("gridloop.schema").metadata()


def run_migrations_online() -> None:
    """Use the connection in config.attributes, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
