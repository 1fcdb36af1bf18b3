"""Screen one case and store it for audit: parse → context from the database → domain screen → one row."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from gridloop.exportcontrol.domain.regimes import STATUS_ZH
from gridloop.exportcontrol.domain.screening import Context, regimes_on, screen
from gridloop.exportcontrol.domain.workdays import WeekdayCalendar, WorkCalendar
from gridloop.exportcontrol.services.lists import load_snapshots
from gridloop.exportcontrol.services.schema import parse_case
from gridloop.exportcontrol.services.settings import after_suspension_settings, valuation_settings
from gridloop.exportcontrol.tables import ExportScreeningRow
from gridloop.kernel.errors import NotFound
from gridloop.platform.db.uow import UnitOfWork

SOURCES = ("cli", "api", "batch", "console")


def calendar_of(deadlines: object) -> tuple[WorkCalendar, str]:
    """The working-day calendar behind the deadline policy (official holidays + overrides), else Mon–Fri."""
    calendar = getattr(deadlines, "calendar", None)
    if calendar is not None and callable(getattr(calendar, "is_workday", None)):
        return calendar, f"{type(calendar).__name__} (official holidays and administrator overrides)"
    return WeekdayCalendar(), "weekdays (Mon–Fri), no official holidays"


def load_context(session: Session, *, calendar: WorkCalendar, calendar_name: str) -> Context:
    """Lists, settings and calendar for a screening, as the database holds them now."""
    return Context(
        lists=load_snapshots(session),
        after_suspension=after_suspension_settings(session),
        valuation=valuation_settings(session),
        calendar=calendar,
        calendar_name=calendar_name,
    )


def screen_and_record(
    uow: UnitOfWork,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    by: str,
    source: str,
    calendar: WorkCalendar,
    calendar_name: str,
    write_lock: AbstractContextManager[object] | None = None,
) -> dict[str, Any]:
    """Screen `payload` (the case JSON), store input and answer, commit, and return the answer with its id.

    Only the insert and commit run under `write_lock` (the process's SQLite writer lock), not the screening.
    """
    context = load_context(uow.session, calendar=calendar, calendar_name=calendar_name)
    row, body = screen_row(uow.session, payload, now=now, by=by, source=source, context=context)
    with write_lock or nullcontext():
        uow.session.flush()
        uow.commit()
    return with_id(row, body)


def screen_row(
    session: Session,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    by: str,
    source: str,
    context: Context,
    batch_id: str | None = None,
) -> tuple[ExportScreeningRow, dict[str, Any]]:
    """Screen `payload` and add its audit row to the session (not flushed: the caller flushes and commits)."""
    case = parse_case(payload)
    answer = screen(case, context=context)
    body = answer.as_dict()
    row = ExportScreeningRow(
        reference=case.reference,
        export_date=case.export_date,
        screened_at=now,
        screened_by=by,
        source=source,
        batch_id=batch_id,
        input=dict(payload),
        answer=body,
        licence_required_any=answer.licence_required_any,
        conditional=answer.conditional,
    )
    session.add(row)
    return row, body


def with_id(row: ExportScreeningRow, body: dict[str, Any]) -> dict[str, Any]:
    """The answer as returned to callers: the stored row's id, time and author first."""
    return {"screening_id": row.id, "screened_at": row.screened_at.isoformat(), "screened_by": row.screened_by, **body}


def get_screening(session: Session, screening_id: int) -> dict[str, Any]:
    """A stored screening: input, answer, who and when."""
    row = session.get(ExportScreeningRow, screening_id)
    if row is None:
        raise NotFound(f"No export-control screening {screening_id}.")
    return {
        "screening_id": row.id,
        "reference": row.reference,
        "export_date": row.export_date.isoformat(),
        "screened_at": row.screened_at.isoformat(),
        "screened_by": row.screened_by,
        "source": row.source,
        "batch_id": row.batch_id,
        "input": row.input,
        "answer": row.answer,
    }


def regime_table(session: Session, *, on: date) -> list[dict[str, Any]]:
    """Every regime with its dates and its status on `on` under the stored settings."""
    context = Context(after_suspension=after_suspension_settings(session))
    return [
        {
            "regime": row.id,
            "announcement": row.announcement,
            "title_en": row.title_en,
            "title_zh": row.title_zh,
            "citation": row.citation.as_dict(),
            "issued": row.issued.isoformat(),
            "effective": row.effective.isoformat(),
            "suspended_from": row.suspension.start.isoformat() if row.suspension else None,
            "suspended_until": row.suspension.until.isoformat() if row.suspension else None,
            "suspended_by": row.suspension.announcement if row.suspension else None,
            "on": on.isoformat(),
            "status": status.status.value,
            "status_zh": STATUS_ZH[status.status],
            "status_basis_en": status.basis_en,
            "setting_relied_on": status.setting.as_dict() if status.setting else None,
        }
        for row, status in regimes_on(on, context=context)
    ]
