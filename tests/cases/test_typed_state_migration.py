"""The typed-state migration carries the previous release's `cases.extra` into typed columns and tables."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseRow
from gridloop.platform.db.engine import build_engine
from gridloop.platform.db.migrate import alembic_config, current_revision, upgrade
from gridloop.platform.db.types import UTCDateTime

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
PG_URL = os.environ.get("GRIDLOOP_TEST_PG_URL")


def _iso(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def _revisions(engine: sa.Engine) -> tuple[str, str]:
    """The typed-state migration and the one before it (found by its title, whatever its number)."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    rev = next(r for r in script.walk_revisions() if (r.doc or "").startswith("typed case state"))
    assert isinstance(rev.down_revision, str)
    return rev.revision, rev.down_revision


@pytest.fixture
def old_release_db(tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database brought up to the revision before typed state: the schema of the previous release."""
    if PG_URL:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        name = f"gl_m_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine = build_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    else:
        engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, _revisions(engine)[1])
    yield engine
    engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


INSERT_CASE = sa.text(
    "INSERT INTO cases (number, title, text, channel, request_type, urgency, status, attachments, tags, "
    "received_at, closed_at, supervised, return_count, reopen_count, extra, extension_pending_days, satisfaction, "
    "solved, parent_case_id, updated_at, version) VALUES (:number, :title, :text, 'phone', 'complaint', 'normal', "
    ":status, '[]', '[]', :received_at, :closed_at, :supervised, 0, 0, :extra, :pending, :satisfaction, :solved, "
    ":parent, :updated_at, 1)"
).bindparams(
    sa.bindparam("received_at", type_=UTCDateTime()),
    sa.bindparam("closed_at", type_=UTCDateTime()),
    sa.bindparam("updated_at", type_=UTCDateTime()),
    sa.bindparam("supervised", type_=sa.Boolean()),
    sa.bindparam("solved", type_=sa.Boolean()),
)
INSERT_EVENT = sa.text(
    "INSERT INTO case_events (case_id, at, actor_name, actor_role, action, from_status, to_status, note, payload) "
    "VALUES (:case_id, :at, :actor, 'dispatcher', :action, 'signed', 'signed', :note, :payload)"
).bindparams(sa.bindparam("at", type_=UTCDateTime()))


def _case(conn: sa.Connection, number: str, extra: dict[str, Any], **kw: Any) -> int:
    values = {
        "number": number,
        "title": f"case {number}",
        "text": "楼道渗水，电话13812345678",
        "status": "signed",
        "received_at": T0,
        "closed_at": None,
        "supervised": False,
        "extra": json.dumps(extra, ensure_ascii=False),  # as the old JSON column wrote it
        "pending": None,
        "satisfaction": None,
        "solved": None,
        "parent": None,
        "updated_at": T0 + timedelta(days=2),
    } | kw
    conn.execute(INSERT_CASE, values)
    return int(conn.scalar(sa.text("SELECT id FROM cases WHERE number = :n"), {"n": number}))


def _event(conn: sa.Connection, case_id: int, action: str, hours: float, payload: dict[str, Any], **kw: Any) -> None:
    values = {"case_id": case_id, "at": T0 + timedelta(hours=hours), "actor": "putuo_fg", "action": action}
    conn.execute(INSERT_EVENT, values | {"note": None, "payload": json.dumps(payload, ensure_ascii=False)} | kw)


def _old_release_cases(engine: sa.Engine) -> dict[str, int]:
    """Cases written the way the previous release wrote them (services/*.py at 1a5f17b)."""
    with engine.begin() as conn:
        a = _case(
            conn,
            "SH2026112600001",
            {
                "duty_grid_code": "310107001001G01",
                "locate_confidence": 0.8,
                "urgency_reason": "渗水",
                "incident_type": "accident",
                "masked_text": "楼道渗水，电话138****5678",
                "dispatch_suggestion": {
                    "auto": False,
                    "reason": "rule 7; confidence 0.50 < 0.80, needs a dispatcher",
                    "catalogue_version": 3,
                    "confidence": 0.5,
                    "unit": "310107-FG",
                    "co_units": ["310107-CG"],
                    "area": "310107",
                },
                "coordination": {
                    "level": "district",
                    "unit": "310107",
                    "unit_name": "普陀区",
                    "tags": ["cross_department"],
                    "reasons": ["returned 2 times", ""],
                    "since": _iso(3),
                    "decided": {
                        "at": _iso(4),
                        "by": "putuo_coord",
                        "lead_unit": "310107-FG",
                        "co_units": ["310107-CG", "310107-HB"],
                        "reason": "分工",
                    },
                },
                "co_replies": {"310107-CG": {"at": _iso(5), "by": "putuo_cg", "reply": "违建已拆除"}},
                "extensions": 1,
                "suspended_at": _iso(30),
            },
            pending=3,
            satisfaction="satisfied",
            solved=True,
        )
        _event(conn, a, "request_extension", 6, {"days": 5}, note="需要协调")
        _event(conn, a, "approve_extension", 7, {"days": 5, "old_due": _iso(48), "new_due": _iso(168)})
        _event(conn, a, "request_extension", 8, {"days": 3}, note="再延")
        _event(conn, a, "callback", 20, {"satisfaction": "dissatisfied", "solved": False}, actor="operator")
        _event(conn, a, "callback", 26, {"satisfaction": "satisfied", "solved": True}, actor="operator")
        b = _case(
            conn,
            "SH2026112600002",
            {
                "dispatch": {
                    "auto": True,
                    "reason": "rule 7; confidence 0.90 ≥ 0.80",
                    "catalogue_version": 3,
                    "confidence": 0.9,
                    "unit": "310107-FG",
                    "co_units": [],
                    "area": "310107",
                },
                "closure": "direct",
                "duplicate_suggestion": {"number": "SH2026112600001", "similarity": 0.71, "reason": "same place"},
                "meaningless": "emoji only",
                "area_candidates": [{"code": "310107", "name": "普陀区", "confidence": 0.4}],
            },
            status="closed",
            closed_at=T0 + timedelta(hours=1),
        )
        c = _case(
            conn,
            "SH2026112600003",
            {
                "duplicate_of": {"number": "SH2026112600001", "similarity": 0.93, "reason": "same text"},
                "closed_with_parent": "SH2026112600001",
                "callback": "done",
            },
            status="merged",
            parent=a,
            closed_at=T0 + timedelta(days=1),
            satisfaction="basically_satisfied",
            solved=True,
        )
        _event(
            conn,
            c,
            "callback",
            30,
            {"satisfaction": "basically_satisfied", "solved": True, "child_of": "SH2026112600001"},
            actor="operator",
        )
        d = _case(conn, "SH2026112600004", {"suggested_unit": "310107-FG", "suggest_reason": "by hand"})
        e = _case(conn, "SH2026112600005", {}, status="closed", satisfaction="dissatisfied", solved=False)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_every_value_of_the_old_extra_lands_in_its_typed_place(old_release_db):
    ids = _old_release_cases(old_release_db)
    typed, _previous = _revisions(old_release_db)
    upgrade(old_release_db, typed)
    upgrade(old_release_db)  # and on to the newest schema, which the ORM rows below describe
    with Session(old_release_db) as s:
        a, b, c = (s.get(CaseRow, ids[k]) for k in "abc")
        assert a is not None and b is not None and c is not None
        facts = (a.duty_grid_code, a.locate_confidence, a.urgency_reason, a.incident_type, a.masked_text)
        assert facts == ("310107001001G01", 0.8, "渗水", "accident", "楼道渗水，电话138****5678")
        route = (a.dispatch_auto, a.suggested_unit, a.suggested_co_units, a.suggested_area, a.suggest_confidence)
        assert route == (False, "310107-FG", ["310107-CG"], "310107", 0.5)
        assert (a.suggest_reason, a.suggest_catalogue_version) == (
            "rule 7; confidence 0.50 < 0.80, needs a dispatcher",
            3,
        )
        assert a.suspended_at == T0 + timedelta(hours=30)
        [co] = a.coordinations
        assert (co.level, co.coordinator_unit, co.coordinator_name, co.tags, co.reasons) == (
            "district",
            "310107",
            "普陀区",
            ["cross_department"],
            ["returned 2 times", ""],
        )
        assert (co.opened_at, co.decided_at, co.decided_by, co.lead_unit, co.co_units, co.decision_reason) == (
            T0 + timedelta(hours=3),
            T0 + timedelta(hours=4),
            "putuo_coord",
            "310107-FG",
            ["310107-CG", "310107-HB"],
            "分工",
        )
        assert [(r.unit, r.reply, r.by, r.at) for r in a.co_replies] == [
            ("310107-CG", "违建已拆除", "putuo_cg", T0 + timedelta(hours=5))
        ]
        approved, pending = a.extensions
        assert (approved.days, approved.reason, approved.decision, approved.old_due, approved.new_due) == (
            5,
            "需要协调",
            "approved",
            T0 + timedelta(hours=48),
            T0 + timedelta(hours=168),
        )
        assert (pending.days, pending.reason, pending.decision) == (3, "再延", None), "the waiting request stays"
        assert [(cb.satisfaction, cb.solved, cb.by) for cb in a.callbacks] == [
            ("dissatisfied", False, "operator"),
            ("satisfied", True, "operator"),
        ], "every callback is kept, not only the last"

        assert (b.dispatch_auto, b.suggest_reason, b.closure_kind, b.meaningless_reason) == (
            True,
            "rule 7; confidence 0.90 ≥ 0.80",
            "direct",
            "emoji only",
        )
        assert b.area_candidates == [{"code": "310107", "name": "普陀区", "confidence": 0.4}]
        dup_b = (b.duplicate_of_id, b.duplicate_action, b.duplicate_similarity, b.duplicate_reason)
        assert dup_b == (a.id, "suggest", 0.71, "same place")

        dup_c = (c.duplicate_of_id, c.duplicate_action, c.duplicate_similarity, c.duplicate_reason)
        assert dup_c == (a.id, "merge", 0.93, "same text")
        assert (c.closure_kind, c.parent_case_id) == ("with_parent", a.id)
        assert [(cb.satisfaction, cb.at) for cb in c.callbacks] == [("basically_satisfied", T0 + timedelta(hours=30))]

        d, e = s.get(CaseRow, ids["d"]), s.get(CaseRow, ids["e"])
        assert d is not None and (d.suggested_unit, d.suggest_reason, d.dispatch_auto) == ("310107-FG", "by hand", None)
        assert e is not None and [cb.satisfaction for cb in e.callbacks] == ["dissatisfied"], (
            "a callback result with no event is kept as one callback"
        )
        assert e.coordinations == [] and e.extensions == [] and e.duplicate_of_id is None
    columns = {col["name"] for col in sa.inspect(old_release_db).get_columns("cases")}
    assert not {"extra", "extension_pending_days"} & columns, columns


def test_migration_keeps_units_and_events_of_the_cases(old_release_db):
    ids = _old_release_cases(old_release_db)
    with old_release_db.connect() as conn:
        before = conn.scalar(sa.text("SELECT count(*) FROM case_events"))
    upgrade(old_release_db, _revisions(old_release_db)[0])
    with old_release_db.connect() as conn:
        after = conn.scalar(sa.text("SELECT count(*) FROM case_events"))
        cases = conn.scalar(sa.text("SELECT count(*) FROM cases"))
    assert (after, cases) == (before, len(ids)), "no case or audit event is lost by the migration"


def test_downgrade_gives_the_previous_release_its_extra_back(old_release_db):
    typed, previous = _revisions(old_release_db)
    _old_release_cases(old_release_db)
    read = sa.text("SELECT number, extra, extension_pending_days FROM cases ORDER BY id")
    with old_release_db.connect() as conn:
        before = [(n, json.loads(e) if isinstance(e, str) else e, p) for n, e, p in conn.execute(read)]
    upgrade(old_release_db, typed)
    cfg = alembic_config(old_release_db)
    with old_release_db.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, previous)
    with old_release_db.connect() as conn:
        after = [(n, json.loads(e) if isinstance(e, str) else e, p) for n, e, p in conn.execute(read)]
    assert after == before
    upgrade(old_release_db, typed)
    assert current_revision(old_release_db) == typed, "the migration applies again after a downgrade"
