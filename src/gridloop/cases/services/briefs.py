"""What other capabilities may know of a case without its personal data: number, title, status, units, area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gridloop.cases.services.scope import can_see
from gridloop.cases.tables import CaseRow
from gridloop.kernel.org import Actor
from gridloop.kernel.privacy import mask_personal_data


@dataclass(frozen=True)
class CaseBrief:
    """A case as a notice names it (the title masked: notices may leave the process)."""

    id: int
    number: str
    title: str
    status: str
    area_path: str | None
    lead_unit_id: int | None
    due_at: datetime | None
    #: Paths of the units the case is assigned to now (lead and co-units).
    unit_paths: tuple[str, ...]


def case_brief(session: Session, case_id: int) -> CaseBrief | None:
    """The brief of one case, or None when there is no such case."""
    case = session.get(CaseRow, case_id)
    if case is None:
        return None
    return CaseBrief(
        id=case.id,
        number=case.number,
        title=mask_personal_data(case.title),
        status=case.status,
        area_path=case.area_path,
        lead_unit_id=case.lead_unit_id,
        due_at=case.due_at,
        unit_paths=tuple(cu.unit_path for cu in case.units if cu.active),
    )


def may_see(session: Session, actor: Actor, case_id: int) -> bool:
    """Whether the actor may see the case (the same rule as every case read)."""
    case = session.get(CaseRow, case_id)
    return case is not None and can_see(session, actor, case)
