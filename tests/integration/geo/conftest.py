"""Fixtures of the geography tests: a temporary SQLite database with every table, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from gridloop import schema
from gridloop.platform.db.engine import build_engine, session_factory

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def session(tmp_path) -> Session:
    engine = build_engine(f"sqlite:///{tmp_path / 'geo.db'}")
    schema.metadata().create_all(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


@pytest.fixture
def now() -> datetime:
    return NOW
