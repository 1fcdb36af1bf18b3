"""The latest return (退单) of cases in the dispatcher's queue: which unit returned it, when, and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.cases.tables import CaseEventRow
from gridloop.platform.org.tables import UnitRow, UserRow


def latest_returns(session: Session, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """case id → {unit, unit_code, reason, at, by} of its latest return (one query for the page)."""
    ids = list(case_ids)
    if not ids:
        return {}
    last = (
        select(func.max(CaseEventRow.id))
        .where(CaseEventRow.case_id.in_(ids), CaseEventRow.action == "return")
        .group_by(CaseEventRow.case_id)
    )
    rows = session.execute(
        select(
            CaseEventRow.case_id, CaseEventRow.note, CaseEventRow.at, UserRow.display_name, UnitRow.name, UnitRow.code
        )
        .outerjoin(UserRow, UserRow.id == CaseEventRow.actor_id)
        .outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
        .where(CaseEventRow.id.in_(last))
    ).all()
    return {
        r.case_id: {"reason": r.note or "", "at": r.at, "by": r.display_name or "", "unit": r.name or "",
                    "unit_code": r.code or ""}
        for r in rows
    }  # fmt: skip
