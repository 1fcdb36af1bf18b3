"""What participants did in a run, read from the audit and timelines of the run's own objects, and its score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.cases.services.exercise import events_of_run as case_events
from gridloop.drills.domain.scoring import Observation, Score, score_run
from gridloop.drills.services.actors import INJECTOR
from gridloop.drills.services.runs import (
    ENDED,
    delivered,
    events,
    get_run,
    require_facilitator,
    scenario_of,
    sim_minutes,
)
from gridloop.drills.tables import DrillRunRow
from gridloop.emergency.services.exercise import incident_events_of_run, incidents_of_run, warnings_of_run
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork

#: Incident timeline kinds → expected action codes.
INCIDENT_KINDS = {
    "open": "incident.open", "task": "incident.task", "task_acknowledge": "incident.task_acknowledge",
    "task_arrive": "incident.task_arrive", "escalate": "incident.escalate", "commander": "incident.commander",
    "note": "incident.note", "close": "incident.close",
}  # fmt: skip


def observations(session: Session, run: DrillRunRow) -> list[Observation]:
    """Every scorable thing done in the run, in run minutes; what the injector did is the scenario, not scored."""
    out: list[Observation] = []
    for number, e in case_events(session, run.id):
        if e.actor_name != INJECTOR:
            out.append(Observation(f"case.{e.action}", sim_minutes(run, e.at), e.actor_name, number))
    for number, ie in incident_events_of_run(session, run.id):
        code = INCIDENT_KINDS.get(ie.kind)
        if code is not None and ie.actor != INJECTOR:
            task = ie.data.get("task_id") if code.startswith("incident.task") else None
            out.append(Observation(code, sim_minutes(run, ie.at), ie.actor, number, key=str(task or ""),
                                   detail=ie.text))  # fmt: skip
    for w in warnings_of_run(session, run.id):
        if w.msg_type != "Cancel":
            out.append(Observation("warning.issue", sim_minutes(run, w.sent_at), "预警系统", w.identifier,
                                   key=str(w.level)))  # fmt: skip
    for de in events(session, run.id):
        if de.kind == "decision":
            out.append(Observation("decision", de.sim_minutes, de.actor, key=de.key, detail=de.text))
    return out


def subjects(session: Session, run: DrillRunRow) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per inject id: the case numbers it caused, and the incidents opened from or joined by those cases."""
    cases: dict[str, set[str]] = {}
    for inject_id, e in delivered(session, run.id).items():
        if e.data.get("case_number"):
            cases[inject_id] = {str(e.data["case_number"])}
    joined: dict[str, set[str]] = {}
    for number, ie in incident_events_of_run(session, run.id):
        if ie.kind == "case" and ie.data.get("case_number"):
            joined.setdefault(str(ie.data["case_number"]), set()).add(number)
    for row in incidents_of_run(session, run.id):
        if row.case_number:
            joined.setdefault(row.case_number, set()).add(row.number)
    incidents = {k: {i for n in v for i in joined.get(n, set())} for k, v in cases.items()}
    return cases, incidents


def score(session: Session, run: DrillRunRow) -> Score:
    """The run's score now (an ended run keeps the score it ended with in `run.result`)."""
    cases, incidents = subjects(session, run)
    return score_run(scenario_of(run), observations(session, run), subjects=cases, incident_subjects=incidents)


def end(uow: UnitOfWork, actor: Actor | None, run_id: int, *, now: datetime) -> DrillRunRow:
    """End the run and keep its score; commit. (`actor` None: the scripted run ends itself.)"""
    if actor is not None:
        require_facilitator(actor)
    run = get_run(uow.session, run_id)
    if run.status == ENDED:
        return run
    run.ended_at = now
    run.status = ENDED
    result = score(uow.session, run)
    run.score = result.score
    run.result = result.as_dict()
    uow.commit()
    return run


def summary(session: Session, run: DrillRunRow) -> dict[str, Any]:
    """Plain data of a run and its (current or final) score."""
    result = run.result if run.status == ENDED and run.result else score(session, run).as_dict()
    return {"id": run.id, "scenario": run.scenario_id, "version": run.scenario_version, "mode": run.mode,
            "status": run.status, "auto": run.auto, **result}  # fmt: skip
