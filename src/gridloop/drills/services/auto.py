"""The scripted responder: plays every role of a scenario at fixed run times, through the normal services.

`run_auto` drives a run on a settable clock: injects and scripted actions are taken in run-time order, the clock
jumps between them (optionally sleeping `gap / speed` real seconds), so the same scenario scores the same on
every run. Each scripted action is the one a person would take in the console (dispatch the case, task a unit,
arrive on site …); one that the services refuse is logged and left missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from gridloop.cases.services import triage_queue
from gridloop.cases.services.exercise import cases_of_run
from gridloop.cases.services.lifecycle import act
from gridloop.cases.services.steps import ActionRequest
from gridloop.drills.domain.scenario import Expected, Scenario
from gridloop.drills.services import runs, scoring
from gridloop.drills.services.actors import auto_actor
from gridloop.drills.tables import DrillRunRow
from gridloop.emergency.services import incidents as em
from gridloop.emergency.services.exercise import incidents_of_run, tasks_of_run, warnings_of_run
from gridloop.kernel.errors import DomainError, InvalidInput
from gridloop.kernel.org import Actor
from gridloop.platform.db.exercise import enter_exercise
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps


class SettableClock(Protocol):
    """A clock the driver can move (kernel.clock.FakeClock)."""

    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


@dataclass(frozen=True)
class Step:
    """One thing to do at a run minute: deliver an inject, or take a scripted action."""

    minutes: float
    order: int
    inject: str | None = None
    action: Expected | None = None


def agenda(scenario: Scenario) -> list[Step]:
    """Injects and scripted actions in run-time order (an action after another waits for that one's time)."""
    steps = [Step(i.at_minutes, 0, inject=i.id) for i in scenario.injects]
    when: dict[str, float] = {}
    for n, item in enumerate(scenario.expected):
        if item.action == "warning.issue":
            continue  # the rules raise warnings; nobody plays them
        ref = when.get(item.after_action, 0.0) if item.after_action else scenario.reference_minutes(item)
        delay = item.auto_after_minutes if item.auto_after_minutes is not None else item.target_minutes / 2
        when[item.id] = ref + delay
        steps.append(Step(ref + delay, 1 + n, action=item))
    return sorted(steps, key=lambda s: (s.minutes, s.order))


def run_auto(
    uow: Callable[[], UnitOfWork], actor: Actor, req: runs.StartRequest, *, deps: ServiceDeps, clock: SettableClock,
    speed: float = 0.0, on_step: Callable[[Step, str], None] | None = None,
) -> DrillRunRow:  # fmt: skip
    """Start a run, play it to the end with the scripted responder, end it with its score."""
    deps = replace(deps, clock=clock)
    start = clock.now()
    with uow() as work:
        run = runs.start(work, actor, replace(req, auto=True, speed=1.0), now=start)
        run_id = run.id
    scenario = runs.scenario_of(run)
    tasks_by_item: dict[str, int] = {}
    last = 0.0
    for step in agenda(scenario):
        if speed > 0 and step.minutes > last:
            time.sleep((step.minutes - last) * 60.0 / speed)
        last = max(last, step.minutes)
        clock.set(start + timedelta(minutes=step.minutes))
        with uow() as work:
            outcome = "ok"
            if step.inject is not None:
                runs.advance(work, run_id, deps=deps)
            elif step.action is not None:
                outcome = _play(work, run_id, scenario, step.action, deps=deps, tasks=tasks_by_item)
        if step.inject is not None:  # an injected call is triaged now, on the drill's clock (repeatable scores)
            triage_queue.drain(uow, deps=deps, worker=f"drill-{run_id}")
        if on_step is not None:
            on_step(step, outcome)
    clock.set(start + timedelta(minutes=scenario.duration_minutes))
    with uow() as work:
        runs.advance(work, run_id, deps=deps)
    triage_queue.drain(uow, deps=deps, worker=f"drill-{run_id}")
    with uow() as work:
        return scoring.end(work, None, run_id, now=clock.now())


def _play(work: UnitOfWork, run_id: int, scenario: Scenario, item: Expected, *, deps: ServiceDeps,
          tasks: dict[str, int]) -> str:  # fmt: skip
    session = work.session
    enter_exercise(session, run_id)
    now = deps.clock.now()
    actor = auto_actor(session, scenario.role(item.role).console_role, now=now)
    try:
        _do(work, session, run_id, item, actor, deps=deps, now=now, tasks=tasks)
    except DomainError as exc:
        work.rollback()
        return f"refused: {exc}"
    return "ok"


def _incident(session: Session, run_id: int, item: Expected, cases: dict[str, set[str]]) -> Any:
    rows = [r for r in incidents_of_run(session, run_id) if r.status == "responding"]
    if item.after and item.after in cases:
        linked = [r for r in rows if r.case_number in cases[item.after]]
        rows = linked or rows
    if not rows:
        raise InvalidInput("no responding incident in this run")
    return rows[-1]


def _do(work: UnitOfWork, session: Session, run_id: int, item: Expected, actor: Actor, *, deps: ServiceDeps,
        now: datetime, tasks: dict[str, int]) -> None:  # fmt: skip
    run = runs.get_run(session, run_id)
    p = item.params
    cases, _ = scoring.subjects(session, run)
    if item.action == "decision":
        runs.log_event(session, run, "decision", actor.username, now, key=item.id, text=f"（自动）{item.title}")
        work.commit()
    elif item.action.startswith("case."):
        numbers = cases.get(item.after or "", set())
        case = next((c for c in cases_of_run(session, run_id) if c.number in numbers), None)
        if case is None:
            raise InvalidInput(f"no case from inject '{item.after}'")
        case_req = ActionRequest(action=item.action.removeprefix("case."), unit=p.get("unit"), note=p.get("note"),
                                 reply=p.get("reply"))  # fmt: skip
        act(work, actor, case.id, case_req, deps=deps)
    elif item.action == "incident.open":
        warnings = [w for w in warnings_of_run(session, run_id) if w.msg_type != "Cancel"]
        if p.get("from_warning") and warnings:
            em.open_incident_from_warning(work, actor, warnings[0].identifier, now=now)
        else:
            data = em.NewIncident(title=item.title, type=scenario_type(run), grade="IV", found_at=now)
            em.open_incident(work, actor, data, now=now)
    elif item.action == "incident.task":
        row = _incident(session, run_id, item, cases)
        task = em.add_task(work, actor, row.id, em.NewTask(title=p.get("title", item.title),
                                                           unit_code=p.get("unit", "")), now=now)  # fmt: skip
        tasks[item.id] = task.id
    elif item.action in ("incident.task_acknowledge", "incident.task_arrive"):
        wanted = tasks.get(item.after_action or "")
        open_tasks = [t for t in tasks_of_run(session, run_id) if t.done_at is None]
        found = next((t for t in open_tasks if t.id == wanted), open_tasks[-1] if open_tasks else None)
        if found is None:
            raise InvalidInput("no open task in this run")
        verb = item.action.removeprefix("incident.task_")
        if verb == "arrive" and found.acknowledged_at is None:
            em.act_on_task(work, actor, found.incident_id, found.id, "acknowledge", now=now)
        em.act_on_task(work, actor, found.incident_id, found.id, verb, now=now)
    else:  # incident.escalate / commander / note / close
        row = _incident(session, run_id, item, cases)
        verb = item.action.removeprefix("incident.")
        req = em.IncidentActionRequest(
            action="regrade" if verb == "escalate" else verb, grade=p.get("grade"),
            commander=p.get("commander"), text=p.get("text", item.title),
        )  # fmt: skip
        em.act_on_incident(work, actor, row.id, req, now=now)


def scenario_type(run: DrillRunRow) -> str:
    """The incident type of the run's scenario."""
    return runs.scenario_of(run).incident_type
