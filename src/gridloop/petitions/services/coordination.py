"""The coordination record with political-legal units (涉法涉诉信访衔接协同): transfer, acknowledgement, result,
feedback to the petitioner, each with its own deadline, and the supervision list of late steps."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, Forbidden, NotFound
from gridloop.kernel.org import Actor
from gridloop.petitions.domain.coordination import RUNNING_LIMIT, is_overdue, next_step
from gridloop.petitions.domain.limits import due_after
from gridloop.petitions.domain.model import CoordinationStatus, LegalUnit
from gridloop.petitions.services.access import coordination_to_dict, get_visible, handling_units
from gridloop.petitions.services.petitions import load_limits
from gridloop.petitions.tables import PetitionCoordinationRow, PetitionEventRow, PetitionRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit


def transfer(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, legal_unit: str, unit_code: str, note: str, now: datetime,
    tz: tzinfo,
) -> dict[str, Any]:  # fmt: skip
    """The petition office transfers a matter to a political-legal unit; its acknowledgement clock starts."""
    session = uow.session
    petition = get_visible(session, actor, petition_id)
    if actor.unit_id != petition.intake_unit_id:
        raise Forbidden("Only the petition office that registered the matter transfers it.")
    kind = LegalUnit.parse(legal_unit)
    limits = load_limits(session)
    row = PetitionCoordinationRow(
        petition_id=petition.id, legal_unit=kind.value, unit_id=get_unit(session, unit_code).id,
        status=CoordinationStatus.TRANSFERRED.value, transferred_at=now, transferred_by=actor.username,
        due_at=due_after(now, limits["coord_acknowledge"].days, tz=tz), due_limit="coord_acknowledge",
        transfer_note=note,
    )  # fmt: skip
    session.add(row)
    session.add(
        PetitionEventRow(
            petition_id=petition.id, action="coord_transfer", from_status=petition.status, to_status=petition.status,
            at=now, by_user=actor.username, unit_id=actor.unit_id, note=f"{kind.zh} {unit_code}: {note}",
            due_at=row.due_at,
        )
    )  # fmt: skip
    session.flush()
    result = coordination_to_dict(row)
    uow.commit()
    return result


def step(
    uow: UnitOfWork, actor: Actor, coordination_id: int, *, step_name: str, text: str, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """acknowledge / result (by the political-legal unit) or feedback (by the petition office) on a record."""
    session = uow.session
    row = session.get(PetitionCoordinationRow, coordination_id)
    if row is None:
        raise NotFound(f"No coordination record {coordination_id}.")
    petition = session.get(PetitionRow, row.petition_id)
    if petition is None or actor.unit_id not in handling_units(session, petition):
        raise NotFound(f"No coordination record {coordination_id} for your unit.")
    actor_must_be = petition.intake_unit_id if step_name == "feedback" else row.unit_id
    if actor.unit_id != actor_must_be:
        raise Forbidden(
            f"Step '{step_name}' is for the {'petition office' if step_name == 'feedback' else 'receiving unit'}."
        )
    if step_name in ("result", "feedback") and not text.strip():
        raise Conflict(f"Step '{step_name}' needs its text.")
    new_status, limit = next_step(CoordinationStatus(row.status), step_name)
    limits = load_limits(session)
    row.status = new_status.value
    row.due_limit = limit or ""
    row.due_at = due_after(now, limits[limit].days, tz=tz) if limit else None
    if step_name == "acknowledge":
        row.acknowledged_at = now
    elif step_name == "result":
        row.result_at, row.result_text = now, text
    else:
        row.fed_back_at, row.feedback_text = now, text
    session.add(
        PetitionEventRow(
            petition_id=petition.id, action=f"coord_{step_name}", from_status=petition.status,
            to_status=petition.status, at=now, by_user=actor.username, unit_id=actor.unit_id, note=text,
            due_at=row.due_at,
        )
    )  # fmt: skip
    session.flush()
    result = coordination_to_dict(row)
    uow.commit()
    return result


def supervision(session: Session, actor: Actor, *, now: datetime) -> list[dict[str, Any]]:
    """Coordination records the actor's unit takes part in whose running step is late (督办)."""
    running = [s.value for s in RUNNING_LIMIT]
    rows = session.scalars(
        select(PetitionCoordinationRow)
        .where(PetitionCoordinationRow.status.in_(running), PetitionCoordinationRow.due_at < now)
        .order_by(PetitionCoordinationRow.due_at)
    )
    late = []
    for row in rows:
        petition = session.get(PetitionRow, row.petition_id)
        if petition is None or actor.unit_id not in (petition.intake_unit_id, row.unit_id):
            continue
        if is_overdue(CoordinationStatus(row.status), row.due_at, now=now):
            late.append({**coordination_to_dict(row), "petition_number": petition.number})
    return late
