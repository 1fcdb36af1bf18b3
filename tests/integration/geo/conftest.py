"""Fixtures of the geography tests: a fresh migrated empty database, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from gridloop.platform.db.engine import build_engine, session_factory

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def session(empty_db_url) -> Session:
    engine = build_engine(empty_db_url)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


@pytest.fixture
def now() -> datetime:
    return NOW
