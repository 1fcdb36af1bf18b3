"""Emergency records of a drill run (演练): its incidents, their timelines and tasks, its CAP warnings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.emergency.domain.cap import Area, CapComposer, CapMessage, CapProfile
from gridloop.emergency.domain.rule_table import default_rules
from gridloop.emergency.domain.rules import Reading
from gridloop.emergency.services.replay import warnings_from
from gridloop.emergency.tables import IncidentEventRow, IncidentRow, IncidentTaskRow, WarningMessageRow
from gridloop.kernel.errors import InvalidInput


def incidents_of_run(session: Session, run_id: int) -> list[IncidentRow]:
    """The run's incidents, oldest first."""
    q = select(IncidentRow).where(IncidentRow.exercise_run_id == run_id).order_by(IncidentRow.id)
    return list(session.scalars(q))


def incident_events_of_run(session: Session, run_id: int) -> list[tuple[str, IncidentEventRow]]:
    """(incident number, event) of every timeline event of the run's incidents, in time order."""
    rows = session.execute(
        select(IncidentRow.number, IncidentEventRow)
        .join(IncidentRow, IncidentRow.id == IncidentEventRow.incident_id)
        .where(IncidentRow.exercise_run_id == run_id)
        .order_by(IncidentEventRow.at, IncidentEventRow.id)
    )
    return [(str(n), e) for n, e in rows]


def tasks_of_run(session: Session, run_id: int) -> list[IncidentTaskRow]:
    """Every task of the run's incidents."""
    q = (
        select(IncidentTaskRow)
        .join(IncidentRow, IncidentRow.id == IncidentTaskRow.incident_id)
        .where(IncidentRow.exercise_run_id == run_id)
        .order_by(IncidentTaskRow.id)
    )
    return list(session.scalars(q))


def warnings_of_run(session: Session, run_id: int) -> list[WarningMessageRow]:
    """The run's CAP messages, in order."""
    q = select(WarningMessageRow).where(WarningMessageRow.exercise_run_id == run_id).order_by(WarningMessageRow.id)
    return list(session.scalars(q))


def store_exercise_warnings(session: Session, messages: Iterable[CapMessage], *, run_id: int) -> int:
    """Keep a drill run's CAP messages (status Exercise) in the caller's transaction."""
    rows = []
    for m in messages:
        if b"<status>Exercise</status>" not in m.xml:
            raise InvalidInput("a drill run's CAP messages carry <status>Exercise</status>")
        rows.append(
            WarningMessageRow(
                identifier=m.identifier,
                msg_type=m.msg_type,
                status="Exercise",
                sent_at=m.transition.at,
                rule_id=m.transition.rule_id,
                subject=m.transition.subject,
                event=m.transition.event,
                transition=m.transition.kind.value,
                level=m.transition.level,
                previous_level=m.transition.previous_level,
                value=m.transition.value,
                unit=m.transition.unit,
                cap_references=m.references,
                xml=m.xml.decode("utf-8"),
                exercise_run_id=run_id,
            )
        )
    ids = [r.identifier for r in rows]
    if ids and session.scalar(
        select(func.count()).select_from(WarningMessageRow).where(WarningMessageRow.identifier.in_(ids))
    ):
        raise InvalidInput("these exercise warning identifiers are already stored")
    session.add_all(rows)
    return len(rows)


def exercise_warnings(
    readings: Iterable[tuple[datetime, str, str, float | None, str]],
    *,
    org_code: str,
    areas: dict[str, tuple[str, str]] | None = None,
) -> list[CapMessage]:
    """Every CAP message (status Exercise, headlines 【演练】) the shipped rules raise on these readings.

    `readings` are (ts, station, metric, value, unit); `areas` maps a station to (description, geocode). The
    same readings give the same messages (identifiers included), so a drill re-evaluates its growing series
    and keeps only the messages it has not stored yet.
    """
    profile = CapProfile(org_code=org_code, status="Exercise")
    cap_areas = {k: Area(description=d, geocode=g) for k, (d, g) in (areas or {}).items()}
    composer = CapComposer(profile=profile, areas=cap_areas)
    ordered = sorted((Reading(ts, s, m, v, u) for ts, s, m, v, u in readings), key=lambda r: r.ts)
    return list(warnings_from(ordered, rules=default_rules(), composer=composer))
