"""Drill runs: start one, move its simulated clock, deliver due injects into the normal services, record
decisions, end it with its score.

Isolation by construction: every session that works for a run is marked with `enter_exercise`, so the cases,
incidents and warnings the normal services create in it carry the run id, and the outbox routes every notice of
it to the drill sink. Tabletop runs feed no service: the facilitator advances injects and records decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.cases.services import Channel, RequestType
from gridloop.cases.services.intake import NewCase, create_case
from gridloop.drills.adapters.scenario_file import load, parse_text
from gridloop.drills.domain import clock as simclock
from gridloop.drills.domain.scenario import Inject, Scenario
from gridloop.drills.services.actors import injector
from gridloop.drills.tables import DrillEventRow, DrillRunRow
from gridloop.emergency.services.exercise import exercise_warnings, store_exercise_warnings
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor
from gridloop.platform.db.exercise import enter_exercise
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps

EXERCISE, TABLETOP = "exercise", "tabletop"
MODES = {EXERCISE: ("实战演练", "Live exercise"), TABLETOP: ("桌面推演", "Tabletop")}
RUNNING, ENDED = "running", "ended"
STATUSES = {RUNNING: ("进行中", "Running"), ENDED: ("已结束", "Ended")}
#: Roles that may start, steer and end drills.
FACILITATOR_ROLES = frozenset({"admin", "supervisor"})


@dataclass(frozen=True)
class StartRequest:
    """What starting a run needs."""

    scenario: str  # a shipped id or a file path
    mode: str = EXERCISE
    speed: float = 1.0
    participants: dict[str, str] | None = None
    auto: bool = False
    scenario_text: str | None = None  # an uploaded/edited scenario instead of `scenario`


def require_facilitator(actor: Actor) -> None:
    """Forbidden unless the actor may run drills."""
    if actor.role.value not in FACILITATOR_ROLES:
        raise Forbidden("drills are run by supervisors and administrators")


def scenario_of(run: DrillRunRow) -> Scenario:
    """The scenario as the run was started with it."""
    return parse_text(run.scenario_text, name=run.scenario_id)


def segments(run: DrillRunRow) -> list[simclock.Segment]:
    """The run's clock."""
    return [simclock.Segment.of(d) for d in run.clock or []]


def sim_minutes(run: DrillRunRow, at: datetime) -> float:
    """Run minutes at a real instant (ended runs stop at their end)."""
    if run.ended_at is not None and at > run.ended_at:
        at = run.ended_at
    return round(simclock.sim_seconds(segments(run), at) / 60.0, 4)


def get_run(session: Session, run_id: int) -> DrillRunRow:
    """A run, or NotFound."""
    run = session.get(DrillRunRow, run_id)
    if run is None:
        raise NotFound(f"No drill run {run_id}.")
    return run


def list_runs(session: Session, *, limit: int = 100) -> list[DrillRunRow]:
    """The newest runs first."""
    return list(session.scalars(select(DrillRunRow).order_by(DrillRunRow.id.desc()).limit(limit)))


def start(uow: UnitOfWork, actor: Actor, req: StartRequest, *, now: datetime) -> DrillRunRow:
    """Start a run of a scenario (clock at 0, running at `speed`); commit. Injects at 0 arrive on `advance`."""
    require_facilitator(actor)
    if req.mode not in MODES:
        raise InvalidInput(f"mode is one of {', '.join(MODES)}")
    try:
        speed = simclock.check_speed(req.speed)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if req.scenario_text is not None:
        scenario, text = parse_text(req.scenario_text, name="scenario"), req.scenario_text
    else:
        scenario, text = load(req.scenario)
    participants = dict(req.participants or {})
    unknown = sorted(set(participants) - {r.id for r in scenario.roles})
    if unknown:
        raise InvalidInput(f"unknown roles in participants: {', '.join(unknown)}")
    if req.mode == TABLETOP:
        speed = 0.0  # the facilitator steps the tabletop
    run = DrillRunRow(
        scenario_id=scenario.id, scenario_version=scenario.version, scenario_text=text, title=scenario.title,
        mode=req.mode, status=RUNNING, auto=req.auto, clock=[simclock.Segment(now, 0.0, speed).as_dict()],
        participants=participants, started_by=actor.username, started_at=now, result={},
    )  # fmt: skip
    uow.session.add(run)
    uow.session.flush()
    log_event(uow.session, run, "clock", actor.username, now, key="start", text=f"开始（{MODES[req.mode][0]}）",
         data={"speed": speed})  # fmt: skip
    uow.commit()
    return run


def log_event(session: Session, run: DrillRunRow, kind: str, actor: str, at: datetime, *, key: str = "", text: str = "",
         data: dict[str, Any] | None = None) -> DrillEventRow:  # fmt: skip
    row = DrillEventRow(run_id=run.id, kind=kind, at=at, sim_minutes=sim_minutes(run, at), actor=actor, key=key,
                        text=text, data=data or {})  # fmt: skip
    session.add(row)
    return row


def _require_running(run: DrillRunRow) -> None:
    if run.status != RUNNING:
        raise Conflict(f"drill run {run.id} has ended")


def delivered(session: Session, run_id: int) -> dict[str, DrillEventRow]:
    """The run's delivered injects by id."""
    rows = session.scalars(
        select(DrillEventRow).where(DrillEventRow.run_id == run_id, DrillEventRow.kind == "inject")
    ).all()
    return {r.key: r for r in rows}


def events(session: Session, run_id: int) -> list[DrillEventRow]:
    """The run's log in order."""
    q = select(DrillEventRow).where(DrillEventRow.run_id == run_id).order_by(DrillEventRow.at, DrillEventRow.id)
    return list(session.scalars(q))


def advance(uow: UnitOfWork, run_id: int, *, deps: ServiceDeps) -> list[str]:
    """Deliver every inject whose time has come on the run's clock (exercise runs); commit. Returns their ids."""
    session = uow.session
    run = get_run(session, run_id)
    if run.status != RUNNING or run.mode != EXERCISE:
        return []
    now = deps.clock.now()
    sim = sim_minutes(run, now)
    done = delivered(session, run.id)
    due = [i for i in scenario_of(run).timeline() if i.at_minutes <= sim + 1e-9 and i.id not in done]
    for inject in due:
        deliver(session, run, inject, deps=deps, now=now)
    if due:
        uow.commit()
        deps.triage_kick()  # injected calls wait for the triage workers like any report: wake them
    return [i.id for i in due]


def deliver(session: Session, run: DrillRunRow, inject: Inject, *, deps: ServiceDeps, now: datetime) -> DrillEventRow:
    """Feed one inject into the normal services in the caller's (exercise-marked) transaction."""
    enter_exercise(session, run.id)
    data: dict[str, Any] = {"kind": inject.kind, "to": list(inject.to)}
    if run.mode == EXERCISE and inject.kind in ("call", "grid_report"):
        r = inject.report
        case, _ = create_case(
            session, injector(session, now=now),
            NewCase(
                text=r["text"], title=r.get("title", ""), address=r.get("address"), area_code=r.get("area_code"),
                urgency=r.get("urgency"), category=r.get("category"),
                channel=(Channel.PHONE if inject.kind == "call" else Channel.PATROL).value,
                request_type=r.get("request_type", RequestType.HELP.value), tags=["演练"],
            ),
            deps=deps,
        )  # fmt: skip
        data["case_number"], data["case_id"] = case.number, case.id
    elif run.mode == EXERCISE and inject.kind == "sensor":
        data.update(_readings(session, run, inject, now=now))
    return log_event(session, run, "inject", "演练导调", now, key=inject.id, text=inject.title, data=data)


def _readings(session: Session, run: DrillRunRow, inject: Inject, *, now: datetime) -> dict[str, Any]:
    """Place the inject's readings before now, re-evaluate the run's series, store the new warnings."""
    placed = [
        {**r, "ts": (now - timedelta(minutes=inject.at_minutes - float(r["at_minutes"]))).isoformat()}
        for r in inject.readings
    ]
    series = [p for e in delivered(session, run.id).values() for p in e.data.get("readings", [])] + placed
    areas = {}
    for e in scenario_of(run).injects:
        if e.kind == "sensor" and e.area:
            for r in e.readings:
                areas[str(r["station"])] = (
                    str(e.area.get("description", r["station"])),
                    str(e.area.get("geocode", "")),
                )
    messages = exercise_warnings(
        [(datetime.fromisoformat(p["ts"]), p["station"], p["metric"], p["value"], p["unit"]) for p in series],
        org_code=f"{run.id % 1000:03d}", areas=areas,
    )  # fmt: skip
    known = {w for e in delivered(session, run.id).values() for w in e.data.get("warnings", [])}
    new = [m for m in messages if m.identifier not in known]
    store_exercise_warnings(session, new, run_id=run.id)
    return {"readings": placed, "warnings": [m.identifier for m in new]}


def set_speed(uow: UnitOfWork, actor: Actor, run_id: int, speed: float, *, deps: ServiceDeps) -> DrillRunRow:
    """Run at another speed (0 pauses, 1 is real time, N is N× faster); commit."""
    require_facilitator(actor)
    run = get_run(uow.session, run_id)
    _require_running(run)
    now = deps.clock.now()
    try:
        run.clock = [s.as_dict() for s in simclock.set_speed(segments(run), now, speed)]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    log_event(
        uow.session, run, "clock", actor.username, now, key="speed", text=f"速度 ×{speed:g}", data={"speed": speed}
    )
    uow.commit()
    return run


def step(uow: UnitOfWork, actor: Actor, run_id: int, *, deps: ServiceDeps) -> str | None:
    """Jump to the next undelivered inject, pause there and deliver it (tabletop: only show it); commit."""
    require_facilitator(actor)
    session = uow.session
    run = get_run(session, run_id)
    _require_running(run)
    now = deps.clock.now()
    done = delivered(session, run.id)
    pending = [i for i in scenario_of(run).timeline() if i.id not in done]
    if not pending:
        return None
    nxt = pending[0]
    run.clock = [s.as_dict() for s in simclock.jump(segments(run), now, nxt.at_minutes * 60.0)]
    log_event(session, run, "clock", actor.username, now, key="step", text=f"推进至 {nxt.at_minutes:g} 分钟")
    for inject in pending:
        if inject.at_minutes <= nxt.at_minutes:
            deliver(session, run, inject, deps=deps, now=now)
    uow.commit()
    deps.triage_kick()
    return nxt.id


def record_decision(
    uow: UnitOfWork, actor: Actor, run_id: int, *, key: str, text: str, now: datetime, by: str = ""
) -> DrillEventRow:
    """The facilitator records a decision (or an observed action) against an expected action id; commit."""
    require_facilitator(actor)
    run = get_run(uow.session, run_id)
    _require_running(run)
    scenario = scenario_of(run)
    if key and key not in {e.id for e in scenario.expected}:
        raise InvalidInput(f"unknown expected action '{key}'")
    if not text.strip() or len(text) > 2000:
        raise InvalidInput("a decision needs a text of 1–2000 characters")
    row = log_event(uow.session, run, "decision", by.strip()[:64] or actor.username, now, key=key, text=text.strip())
    uow.commit()
    return row


def message_for(session: Session, run_id: int, role: str) -> list[DrillEventRow]:
    """The delivered messages addressed to a role."""
    return [e for e in events(session, run_id) if e.kind == "inject" and role in (e.data.get("to") or [])]


def count_runs(session: Session) -> int:
    """How many runs there are."""
    return int(session.scalar(select(func.count()).select_from(DrillRunRow)) or 0)
