"""Cases of a drill run (演练): read by the drill capability for its board and its scoring."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseEventRow, CaseRow


def cases_of_run(session: Session, run_id: int) -> list[CaseRow]:
    """The run's cases, oldest first."""
    return list(session.scalars(select(CaseRow).where(CaseRow.exercise_run_id == run_id).order_by(CaseRow.id)))


def events_of_run(session: Session, run_id: int) -> list[tuple[str, CaseEventRow]]:
    """(case number, event) of every audit event of the run's cases, in time order."""
    rows = session.execute(
        select(CaseRow.number, CaseEventRow)
        .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
        .where(CaseRow.exercise_run_id == run_id)
        .order_by(CaseEventRow.at, CaseEventRow.id)
    )
    return [(str(n), e) for n, e in rows]
