"""The supervision tick over a simulated month across National Day 2026."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dispatch_factories import FakeNotifier, Work, drop_engine, make_case, make_engine, make_org
from sqlalchemy import select

from gridloop.cases.services.supervision import run_tick
from gridloop.cases.tables import CaseEventRow, CaseRow, SupervisionRow
from gridloop.dispatch.adapters.calendar import ChineseWorkCalendar
from gridloop.kernel.clock import FakeClock
from gridloop.kernel.sla import WorkdayDeadlinePolicy
from gridloop.platform.outbox import Dispatcher, Outbox

SH = ZoneInfo("Asia/Shanghai")
CAL = ChineseWorkCalendar()


def sh(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def world(empty_db_url: str):
    engine = make_engine(empty_db_url)
    try:
        yield from _world(engine)
    finally:
        drop_engine(engine)


def _world(engine):
    with Work(engine) as w:
        org = make_org(w.session)
        policy = WorkdayDeadlinePolicy(CAL)
        start = sh(9, 30, 10)
        sign_due = policy.sign_due(start, request_type="complaint", urgency="normal")
        case = make_case(
            w.session,
            status="dispatched",
            lead_unit_id=org.id("310107-FG"),
            dispatched_at=start,
            sign_due_at=sign_due,
            due_at=sign_due,
            reply_due_at=policy.reply_due(start, request_type="complaint", urgency="normal"),
        )
        w.commit()
        yield w, org, case.id


def tick(w: Work, when: datetime, notifier: FakeNotifier | None = None):
    """One tick; its notices, committed to the outbox, are then delivered to `notifier`."""
    outbox = Outbox(channels={"fake": notifier or FakeNotifier()})
    result = run_tick(w, now=when, calendar=CAL, outbox=outbox)
    Dispatcher(w.session.get_bind(), outbox, FakeClock(when)).deliver_pending()
    return result


def supervisions(w: Work, case_id: int) -> list[tuple[int, int | None, str]]:
    rows = w.session.scalars(
        select(SupervisionRow).where(SupervisionRow.case_id == case_id).order_by(SupervisionRow.id)
    )
    return [(r.level, r.addressed_unit_id, r.step) for r in rows]


def test_sign_deadline_skips_national_day(world) -> None:
    w, _org, case_id = world
    case = w.session.get(CaseRow, case_id)
    assert case.sign_due_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(SH) == datetime(
        2026, 10, 8, 23, 59, 59, tzinfo=SH
    )


def test_month_of_ticks_flags_and_escalates_at_the_right_times(world) -> None:
    w, org, case_id = world
    notes = FakeNotifier()
    # during the holiday: nothing yet
    assert tick(w, sh(10, 5, 10), notes).examined == 0
    # the last day: due soon, a reminder to the lead unit
    r = tick(w, sh(10, 8, 9), notes)
    assert (r.due_soon, r.supervised) == (1, 0)
    assert notes.notices[-1].kind == "due_soon" and notes.notices[-1].unit_code == "310107-FG"
    assert tick(w, sh(10, 8, 15), notes).examined == 0, "a repeated tick does nothing"
    # the day after: overdue, 督办 to the district one level up
    r = tick(w, sh(10, 9, 9), notes)
    assert r.supervised == 1
    assert supervisions(w, case_id) == [(1, org.id("310107"), "sign")]
    assert w.session.get(CaseRow, case_id).supervised is True
    assert tick(w, sh(10, 9, 17), notes).notices == 0, "idempotent"
    # Sat 10 Oct is a working day: level 2 only after its end
    assert tick(w, sh(10, 10, 20), notes).escalated == 0
    r = tick(w, sh(10, 11, 10), notes)
    assert r.escalated == 1 and supervisions(w, case_id)[-1] == (2, org.id("310000"), "sign")
    # level 3 after 5 working days overdue: 9, 10, 12, 13, 14 Oct
    assert tick(w, sh(10, 14, 18), notes).escalated == 0
    assert tick(w, sh(10, 15, 9), notes).escalated == 1
    assert [lvl for lvl, _u, _s in supervisions(w, case_id)] == [1, 2, 3]
    assert tick(w, sh(10, 20, 9), notes).examined == 0, "no level beyond the last"
    events = w.session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id)).all()
    assert [e.action for e in events] == ["supervise"] * 3 and events[0].actor_name == "system"
    assert [n.kind for n in notes.notices] == ["due_soon", "supervision", "escalation", "escalation"]


def test_next_step_starts_a_fresh_clock(world) -> None:
    w, _org, case_id = world
    tick(w, sh(10, 9, 9))
    case = w.session.get(CaseRow, case_id)
    case.status = "signed"
    case.signed_at = sh(10, 9, 10)
    case.contact_due_at = WorkdayDeadlinePolicy(CAL).contact_due(
        sh(10, 9, 10), request_type="complaint", urgency="normal"
    )
    case.due_at = case.contact_due_at  # end of Sat 10 Oct
    w.commit()
    assert tick(w, sh(10, 9, 12)).examined == 0, "not yet inside the due-soon window"
    r = tick(w, sh(10, 11, 9))
    assert r.supervised == 1 and supervisions(w, case_id)[-1][0::2] == (1, "contact")


def test_closed_cases_are_not_examined(world) -> None:
    w, _org, case_id = world
    w.session.get(CaseRow, case_id).status = "closed"
    w.commit()
    assert tick(w, sh(10, 20)).examined == 0
