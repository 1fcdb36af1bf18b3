"""Generated docs match the code; migrations produce exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from gridloop import schema
from gridloop.cases.domain.lifecycle import render_lifecycle_markdown
from gridloop.platform.db.engine import build_engine
from gridloop.platform.db.migrate import pending_differences, upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_lifecycle_doc_matches_the_transition_table():
    doc = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert doc == render_lifecycle_markdown(), "docs/lifecycle.md is stale: run `gridloop docs lifecycle`"


def test_settings_doc_lists_every_setting():
    from gridloop.config import render_settings_markdown

    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == render_settings_markdown(), "docs/settings.md is stale: run `gridloop docs settings`"


def test_migrations_match_the_models(db_url):
    engine = build_engine(db_url)
    upgrade(engine)
    diff = pending_differences(engine, schema.metadata())
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_audit_events_cannot_be_updated_or_deleted(db_url, as_user):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from tests.factories import case_body

    as_user("operator").post("/api/v1/cases", json=case_body())
    engine = build_engine(db_url)
    for sql in ("UPDATE case_events SET note = 'x'", "DELETE FROM case_events"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(sql))
    engine.dispose()
