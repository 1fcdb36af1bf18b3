"""The audit trail is tamper-evident: a hand-edited, removed or missing event is caught by `audit verify`."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from gridloop.cases.services import audit
from gridloop.cases.tables import CaseEventRow, CaseRow
from gridloop.kernel.ports import Notice
from tests.factories import case_body


def _cases(as_user, n=3):
    api = as_user("operator")
    ids = [api.post("/api/v1/cases", json=case_body(title=f"渗水{i}")).json()["id"] for i in range(n)]
    disp = as_user("dispatcher")
    r = disp.post(f"/api/v1/cases/{ids[0]}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    assert r.status_code in (200, 409), r.text
    return ids


def _verify(container):
    with container.uow() as uow:
        return audit.verify(uow.session)


def _tamper(container, sql, **params):
    """What a person with database access does: lift the append-only trigger, change history, put it back."""
    engine = container.uow.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER case_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER case_events_no_delete")
            conn.execute(text(sql), params)
            for verb in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER case_events_no_{verb.lower()} BEFORE {verb} ON case_events "
                    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
                )
        else:
            conn.exec_driver_sql("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only")
            conn.execute(text(sql), params)
            conn.exec_driver_sql("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only")


def test_every_event_is_chained_globally_and_per_case(container, as_user):
    _cases(as_user)
    verdict = _verify(container)
    assert verdict.ok and verdict.events >= 3
    with container.uow() as uow:
        rows = uow.session.scalars(select(CaseEventRow).order_by(CaseEventRow.id)).all()
        assert all(len(r.hash or "") == 64 for r in rows)
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


def test_a_hand_edited_event_is_caught(container, as_user):
    _cases(as_user)
    with container.uow() as uow:
        victim = uow.session.scalars(select(CaseEventRow.id).order_by(CaseEventRow.id)).all()[1]
    _tamper(container, "UPDATE case_events SET actor_name = 'someone_else' WHERE id = :id", id=victim)
    verdict = _verify(container)
    assert not verdict.ok and verdict.broken_at == victim and "edited" in (verdict.problem or "")


def test_a_removed_event_is_caught(container, as_user):
    _cases(as_user)
    with container.uow() as uow:
        ids = uow.session.scalars(select(CaseEventRow.id).order_by(CaseEventRow.id)).all()
    _tamper(container, "DELETE FROM case_events WHERE id = :id", id=ids[1])
    verdict = _verify(container)
    assert not verdict.ok and verdict.broken_at == ids[2]
    _tamper(container, "DELETE FROM case_events WHERE id >= :id", id=ids[1])
    assert "missing" in (_verify(container).problem or "")


def test_a_status_changed_without_an_event_is_caught(container, as_user):
    ids = _cases(as_user)
    with container.uow.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'closed' WHERE id = :id"), {"id": ids[1]})
    verdict = _verify(container)
    assert not verdict.ok and verdict.case_id == ids[1] and "without an event" in (verdict.problem or "")


def test_the_application_cannot_change_a_status_without_an_event(container, as_user):
    ids = _cases(as_user)
    with container.uow() as uow:
        case = uow.session.get(CaseRow, ids[1])
        case.status = "closed"
        with pytest.raises(RuntimeError, match="without an audit event"):
            uow.session.flush()


def test_bulk_written_events_of_the_supervision_tick_are_chained(container, as_user, clock):

    from gridloop.cases import jobs

    _cases(as_user)
    clock.advance(days=20)
    outcome = jobs.run_once(container)
    assert outcome["supervised"] >= 1
    assert _verify(container).ok


def test_the_periodic_check_sends_a_notice_when_the_chain_is_broken(container, as_user):
    sent: list[Notice] = []

    class Catch:
        def notify(self, notice: Notice) -> None:
            sent.append(notice)

    _cases(as_user)
    assert audit.check_and_notify(container.uow, notifier=Catch()).ok and not sent
    _tamper(container, "UPDATE case_events SET note = 'rewritten' WHERE id = (SELECT min(id) FROM case_events)")
    assert not audit.check_and_notify(container.uow, notifier=Catch()).ok
    assert sent and sent[0].kind == "audit"


def test_audit_verify_command_names_the_first_broken_link(db_url, container, as_user):
    _cases(as_user)
    run = [sys.executable, "-m", "gridloop", "audit", "verify", "--db", db_url]
    ok = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and '"ok": true' in ok.stdout
    _tamper(container, "UPDATE case_events SET to_status = 'closed' WHERE id = (SELECT max(id) FROM case_events)")
    bad = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "broken at event" in bad.stderr


def test_the_supervision_jobs_audit_check_writes_a_broken_chain_to_the_outbox(container, as_user):
    from sqlalchemy import select

    from gridloop.cases import jobs
    from gridloop.platform.db.outbox import OutboxRow

    _cases(as_user)
    assert jobs.verify_audit(container)["ok"]
    _tamper(container, "UPDATE case_events SET note = 'rewritten' WHERE id = (SELECT min(id) FROM case_events)")
    assert not jobs.verify_audit(container)["ok"]
    with container.uow() as uow:
        kinds = list(uow.session.scalars(select(OutboxRow.topic)))
    assert "audit" in kinds, f"no audit notice in the outbox: {kinds}"
