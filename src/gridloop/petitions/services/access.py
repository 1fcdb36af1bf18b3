"""Who may see a petition (only the units that handle it) and how it is shown (identity masked where it must be)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import NotFound
from gridloop.kernel.org import Actor, Permission
from gridloop.petitions.domain.model import (
    CoordinationStatus,
    LegalChannel,
    LegalUnit,
    PetitionChannel,
    PetitionClass,
    Status,
)
from gridloop.petitions.tables import PetitionCoordinationRow, PetitionEventRow, PetitionRow


def handling_units(session: Session, row: PetitionRow) -> set[int]:
    """The units that handle a petition: the intake office, the handling, review and re-review organs, and the
    political-legal units it was transferred to."""
    units = {row.intake_unit_id, row.handling_unit_id, row.review_unit_id, row.rereview_unit_id}
    units |= set(
        session.scalars(select(PetitionCoordinationRow.unit_id).where(PetitionCoordinationRow.petition_id == row.id))
    )
    return {u for u in units if u is not None}


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL predicate: petitions the actor's own unit handles (no subtree, no area: petitions are stricter)."""
    unit = actor.unit_id
    transferred = select(PetitionCoordinationRow.petition_id).where(PetitionCoordinationRow.unit_id == unit)
    return or_(
        PetitionRow.intake_unit_id == unit,
        PetitionRow.handling_unit_id == unit,
        PetitionRow.review_unit_id == unit,
        PetitionRow.rereview_unit_id == unit,
        PetitionRow.id.in_(transferred),
    )


def get_visible(session: Session, actor: Actor, petition_id: int) -> PetitionRow:
    """A petition the actor's unit handles, else NotFound (its existence is not disclosed)."""
    row = session.get(PetitionRow, petition_id)
    if row is None or actor.unit_id not in handling_units(session, row):
        raise NotFound(f"No petition {petition_id} handled by your unit.")
    return row


def may_see_identity(actor: Actor, row: PetitionRow) -> bool:
    """Identity is shown to units that may see personal data, never to the unit complained about."""
    return actor.can(Permission.VIEW_PERSONAL_DATA) and actor.unit_id != row.respondent_unit_id


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _mask_tail(value: str, keep: int = 4) -> str:
    return "*" * max(len(value) - keep, 0) + value[-keep:] if value else ""


def petition_summary(row: PetitionRow, actor: Actor) -> dict[str, Any]:
    """The list form of a petition (identity masked unless the actor may see it)."""
    status = Status(row.status)
    show = may_see_identity(actor, row)
    return {
        "id": row.id,
        "number": row.number,
        "class": row.petition_class,
        "class_zh": PetitionClass(row.petition_class).zh,
        "channel": row.channel,
        "channel_zh": PetitionChannel(row.channel).zh,
        "status": status.value,
        "status_zh": status.zh,
        "subject": row.subject,
        "petitioner": row.petitioner_name if show else _mask_name(row.petitioner_name),
        "received_at": row.received_at.isoformat(),
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "due_limit": row.due_limit,
        "root_id": row.root_id,
        "repeat_of": row.repeat_of_id,
        "repeat_count": row.repeat_count,
        "legal_channel": row.legal_channel,
        "legal_channel_zh": LegalChannel(row.legal_channel).zh if row.legal_channel else None,
    }


def coordination_to_dict(row: PetitionCoordinationRow) -> dict[str, Any]:
    """One coordination record as JSON."""
    return {
        "id": row.id,
        "petition_id": row.petition_id,
        "legal_unit": row.legal_unit,
        "legal_unit_zh": LegalUnit(row.legal_unit).zh,
        "unit_id": row.unit_id,
        "status": row.status,
        "status_zh": CoordinationStatus(row.status).zh,
        "transferred_at": row.transferred_at.isoformat(),
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "result_at": row.result_at.isoformat() if row.result_at else None,
        "fed_back_at": row.fed_back_at.isoformat() if row.fed_back_at else None,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "due_limit": row.due_limit,
        "transfer_note": row.transfer_note,
        "result_text": row.result_text,
        "feedback_text": row.feedback_text,
    }


def petition_detail(session: Session, row: PetitionRow, actor: Actor) -> dict[str, Any]:
    """Everything about one petition the actor may see: facts, history, coordination records."""
    show = may_see_identity(actor, row)
    events = session.scalars(
        select(PetitionEventRow).where(PetitionEventRow.petition_id == row.id).order_by(PetitionEventRow.id)
    )
    coords = session.scalars(
        select(PetitionCoordinationRow)
        .where(PetitionCoordinationRow.petition_id == row.id)
        .order_by(PetitionCoordinationRow.id)
    )
    return {
        **petition_summary(row, actor),
        "petitioner_phone": row.petitioner_phone if show else _mask_tail(row.petitioner_phone),
        "petitioner_id_number": _mask_tail(row.petitioner_id_number) if row.petitioner_id_number else "",
        "identity_shown": show,
        "group_size": row.group_size,
        "facts": row.facts,
        "request": row.request,
        "respondent": row.respondent,
        "answer_text": row.answer_text,
        "extended": row.extended,
        "separation": row.separation,
        "events": [
            {
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "at": e.at.isoformat(),
                "by": e.by_user,
                "note": e.note,
                "due_at": e.due_at.isoformat() if e.due_at else None,
            }
            for e in events
        ],
        "coordination": [coordination_to_dict(c) for c in coords],
    }
