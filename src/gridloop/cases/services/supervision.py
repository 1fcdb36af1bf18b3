"""The supervision tick (督办): flag due-soon and overdue steps, open 督办 records one level up, escalate.

One indexed query per tick: open timed statuses with `due_at` inside the due-soon window (index
`ix_cases_status_due`), filtered in SQL to the cases whose verdict may have changed since the last tick
(a new deadline, or `sla_next_at` reached). Only those rows reach Python, so a repeated tick is idempotent
and costs about one indexed range count.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from gridloop.cases.domain.supervision import (
    STEP_OF_STATUS,
    TIMED_STATUSES,
    EscalationPolicy,
    SlaFlag,
    addressed_ancestor,
    assess,
    path_ids,
)
from gridloop.cases.tables import CaseEventRow, CaseRow, SupervisionRow
from gridloop.config import Settings
from gridloop.dispatch.services.calendar import work_calendar as calendar_from_db
from gridloop.dispatch.services.catalogue import UnitOfWorkLike
from gridloop.kernel.events import DeadlineMissed, DeadlineNear
from gridloop.kernel.ports import Notice
from gridloop.kernel.sla import SHANGHAI, WorkCalendar
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow
from gridloop.platform.outbox import Outbox

SYSTEM_NAME = "system"


@dataclass
class TickResult:
    """What one tick did."""

    examined: int = 0
    due_soon: int = 0
    supervised: int = 0
    escalated: int = 0
    notices: int = 0
    at: str = ""
    pending: list[Notice] = field(default_factory=list)  # written to the outbox by run_tick, in its transaction
    missed: list[DeadlineMissed] = field(default_factory=list)  # published by run_tick, in its transaction
    near: list[DeadlineNear] = field(default_factory=list)  # 催办: published by run_tick, in its transaction

    def as_dict(self) -> dict[str, Any]:
        """Plain data (CLI JSON, logs)."""
        return {
            "at": self.at,
            "examined": self.examined,
            "due_soon": self.due_soon,
            "supervised": self.supervised,
            "escalated": self.escalated,
            "notices": self.notices,
        }


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def candidates_query(now: datetime, policy: EscalationPolicy) -> Any:
    """The tick's one indexed query: ids only, covered by ix_cases_sla_tick (idle cases cost no reads)."""
    horizon = now + timedelta(hours=policy.due_soon_hours)
    return select(CaseRow.id).where(
        CaseRow.status.in_(TIMED_STATUSES),
        CaseRow.due_at.is_not(None),
        CaseRow.due_at <= horizon,
        or_(
            CaseRow.sla_due_seen.is_(None),
            CaseRow.sla_due_seen != CaseRow.due_at,
            CaseRow.sla_next_at <= now,
        ),
    )


def _details(session: Session, ids: list[int]) -> list[Any]:
    rows: list[Any] = []
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        rows += session.execute(
            select(
                CaseRow.id,
                CaseRow.number,
                CaseRow.status,
                CaseRow.due_at,
                CaseRow.sla_flag,
                CaseRow.sla_level,
                CaseRow.sla_due_seen,
                UnitRow.path,
                UnitRow.code,
            )
            .outerjoin(UnitRow, UnitRow.id == CaseRow.lead_unit_id)
            .where(CaseRow.id.in_(chunk))
        ).all()
    return rows


def tick(
    session: Session,
    *,
    now: datetime,
    calendar: WorkCalendar,
    policy: EscalationPolicy | None = None,
    tz: str = SHANGHAI,
) -> TickResult:
    """Assess each case whose verdict may have changed; record flags, 督办 rows and events; queue notices."""
    policy = policy or EscalationPolicy()
    result = TickResult(at=now.isoformat())
    ids = list(session.scalars(candidates_query(now, policy)))
    rows = _details(session, ids) if ids else []
    result.examined = len(rows)
    ancestors: dict[int, tuple[str, str]] = {}
    wanted = {
        addressed_ancestor(path_ids(r.path), lvl)
        for r in rows
        if r.path
        for lvl in range(1, len(policy.overdue_work_days) + 1)
    }
    wanted.discard(None)
    if wanted:
        for uid, code, name in session.execute(
            select(UnitRow.id, UnitRow.code, UnitRow.name).where(UnitRow.id.in_(wanted))
        ):
            ancestors[uid] = (code, name)
    case_updates: list[dict[str, Any]] = []
    supervisions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    notices: list[Notice] = []
    for r in rows:
        due = _utc(r.due_at)
        same_step = r.sla_due_seen is not None and _utc(r.sla_due_seen) == due
        prev_flag = r.sla_flag if same_step else None
        prev_level = r.sla_level if same_step else 0
        verdict = assess(due, now, policy=policy, calendar=calendar, tz=tz)
        step = STEP_OF_STATUS.get(r.status, r.status)
        change: dict[str, Any] = {
            "id": r.id,
            "sla_flag": verdict.flag.value,
            "sla_level": max(prev_level, verdict.level),
            "sla_due_seen": due,
            "sla_next_at": verdict.next_check_at,
        }
        if verdict.flag is SlaFlag.DUE_SOON and prev_flag != SlaFlag.DUE_SOON.value:
            result.due_soon += 1
            result.near.append(
                DeadlineNear(at=now, case_id=r.id, number=r.number, step=step, due_at=due, lead_unit=r.code)
            )
            notices.append(
                Notice(
                    kind="due_soon",
                    title=f"催办: case {r.number} — {step} due {due.isoformat()}",
                    body=f"The {step} step of case {r.number} is due soon.",
                    case_number=r.number,
                    unit_code=r.code,
                    payload={"step": step, "due_at": due.isoformat()},
                )
            )
        if verdict.flag is SlaFlag.OVERDUE and verdict.level > prev_level:
            target_id = addressed_ancestor(path_ids(r.path), verdict.level) if r.path else None
            target_code = ancestors.get(target_id, ("", ""))[0] if target_id else None
            note = f"督办 level {verdict.level}: the {step} step was due {due.isoformat()}" + (
                f"; addressed to {target_code}" if target_code else ""
            )
            supervisions.append(
                {
                    "case_id": r.id,
                    "opened_at": now,
                    "by_user_id": None,
                    "addressed_unit_id": target_id,
                    "step": step,
                    "level": verdict.level,
                    "note": note,
                }
            )
            events.append(
                {
                    "case_id": r.id,
                    "at": now,
                    "actor_id": None,
                    "actor_name": SYSTEM_NAME,
                    "actor_role": "supervisor",
                    "action": "supervise",
                    "from_status": r.status,
                    "to_status": r.status,
                    "note": note,
                    "payload": {
                        "step": step,
                        "level": verdict.level,
                        "due_at": due.isoformat(),
                        "addressed_unit": target_code,
                        "automatic": True,
                    },
                }
            )
            change["supervised"] = True
            result.missed.append(
                DeadlineMissed(at=now, case_id=r.id, number=r.number, step=step, level=verdict.level,
                               addressed_unit=target_code)
            )  # fmt: skip
            if prev_level == 0:
                result.supervised += 1
            else:
                result.escalated += 1
            notices.append(
                Notice(
                    kind="supervision" if prev_level == 0 else "escalation",
                    title=f"督办 L{verdict.level}: case {r.number} overdue at {step}",
                    body=note,
                    case_number=r.number,
                    unit_code=target_code or r.code,
                    payload={"step": step, "level": verdict.level, "lead_unit": r.code},
                )
            )
        case_updates.append(change)
    if case_updates:
        session.execute(update(CaseRow), case_updates)
    if supervisions:
        session.execute(insert(SupervisionRow), supervisions)
        session.execute(insert(CaseEventRow), events)
    result.pending = notices
    result.notices = len(notices)
    return result


def run_tick(
    uow: UnitOfWorkLike,
    *,
    now: datetime,
    calendar: WorkCalendar,
    outbox: Outbox,
    policy: EscalationPolicy | None = None,
    tz: str = SHANGHAI,
    deps: ServiceDeps | None = None,
) -> TickResult:
    """One tick in its own transaction: notices to the outbox, `DeadlineMissed` published on `deps.events`."""
    result = tick(uow.session, now=now, calendar=calendar, policy=policy, tz=tz)
    for notice in result.pending:
        outbox.enqueue(uow.session, notice, now=now)
    if deps is not None:
        for event in [*result.near, *result.missed]:
            deps.events.publish(uow.session, event, deps=deps)
    uow.commit()
    return result


def policy_from_settings(settings: Settings) -> EscalationPolicy:
    """The escalation policy configured in settings."""
    return EscalationPolicy.parse(settings.sla_escalation_work_days, due_soon_hours=settings.sla_due_soon_hours)


def scheduled_tick(
    uow_factory: Callable[[], AbstractContextManager[Any]],
    *,
    settings: Settings,
    outbox: Outbox,
    now: datetime,
    deps: ServiceDeps | None = None,
) -> TickResult:
    """One tick with the database's calendar overrides and the configured levels (`sla tick`, `serve`)."""
    with uow_factory() as uow:
        calendar = calendar_from_db(uow.session)
        return run_tick(
            uow,
            now=now,
            calendar=calendar,
            outbox=outbox,
            policy=policy_from_settings(settings),
            tz=settings.timezone,
            deps=deps,
        )
