"""Citizens' roundtables (市民圆桌会): schedule, invite and register, attendance, minutes, suggestions raised
there (into the campaign), follow-up actions with owners and due dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.participation.domain.model import ParticipantKind, RoundtableStatus, SuggestionChannel
from gridloop.participation.services.suggestions import submit, suggestion_to_dict
from gridloop.participation.tables import (
    CampaignRow,
    RoundtableActionRow,
    RoundtableParticipantRow,
    RoundtableRow,
    SuggestionRow,
)
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit


def _get(session: Session, roundtable_id: int) -> RoundtableRow:
    row = session.get(RoundtableRow, roundtable_id)
    if row is None:
        raise NotFound(f"No roundtable {roundtable_id}.")
    return row


def _host(actor: Actor, row: RoundtableRow) -> None:
    if actor.role is not Role.ADMIN and actor.unit_id != row.host_unit_id:
        raise Forbidden("Only the hosting unit runs this roundtable.")


def schedule(
    uow: UnitOfWork, actor: Actor, *, title: str, scheduled_at: datetime, place: str, agenda: list[str],
    campaign_id: int | None = None, capacity: int = 30,
) -> dict[str, Any]:  # fmt: skip
    """Schedule a roundtable hosted by the actor's unit."""
    if not title.strip() or not place.strip():
        raise InvalidInput("A roundtable needs a title and a place.")
    if campaign_id is not None and uow.session.get(CampaignRow, campaign_id) is None:
        raise InvalidInput(
            f"No campaign {campaign_id}.", errors=[FieldError("campaign_id", "no such campaign; leave it empty")]
        )
    row = RoundtableRow(
        campaign_id=campaign_id, title=title.strip(), scheduled_at=scheduled_at, place=place.strip(),
        host_unit_id=actor.unit_id, capacity=capacity, agenda=[a for a in agenda if a.strip()],
        status=RoundtableStatus.SCHEDULED.value,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    result = show(uow.session, row.id, today=scheduled_at.date())
    uow.commit()
    return result


def join(
    uow: UnitOfWork, roundtable_id: int, *, name: str, now: datetime, kind: str = "registered", contact: str = "",
    affiliation: str = "", actor: Actor | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Invite someone (staff, kind='invited') or register oneself (public, kind='registered') within capacity."""
    session = uow.session
    row = _get(session, roundtable_id)
    chosen = ParticipantKind.parse(kind)
    if chosen is ParticipantKind.INVITED:
        if actor is None:
            raise Forbidden("Only the host invites.")
        _host(actor, row)
    if row.status != RoundtableStatus.SCHEDULED.value:
        raise Conflict("This roundtable takes no more participants.")
    count = session.scalar(
        select(func.count(RoundtableParticipantRow.id)).where(RoundtableParticipantRow.roundtable_id == row.id)
    )
    if chosen is ParticipantKind.REGISTERED and (count or 0) >= row.capacity:
        raise Conflict(f"The roundtable is full ({row.capacity} places).")
    if not name.strip():
        raise InvalidInput("A participant needs a name.")
    person = RoundtableParticipantRow(
        roundtable_id=row.id, name=name.strip(), contact=contact, affiliation=affiliation, kind=chosen.value,
        joined_at=now,
    )  # fmt: skip
    session.add(person)
    session.flush()
    result = {"id": person.id, "name": person.name, "kind": person.kind}
    uow.commit()
    return result


def hold(uow: UnitOfWork, actor: Actor, roundtable_id: int, *, minutes: str, attended: list[int]) -> dict[str, Any]:
    """Record that the roundtable was held: the minutes and who attended."""
    session = uow.session
    row = _get(session, roundtable_id)
    _host(actor, row)
    if row.status != RoundtableStatus.SCHEDULED.value:
        raise Conflict(f"The roundtable is '{row.status}'.")
    row.minutes, row.status = minutes, RoundtableStatus.HELD.value
    for person in session.scalars(
        select(RoundtableParticipantRow).where(RoundtableParticipantRow.roundtable_id == row.id)
    ):
        person.attended = person.id in attended
    session.flush()
    result = show(session, row.id, today=row.scheduled_at.date())
    uow.commit()
    return result


def raise_suggestion(
    uow: UnitOfWork, actor: Actor, roundtable_id: int, *, text: str, now: datetime, proposer_name: str = ""
) -> dict[str, Any]:
    """A suggestion raised at the roundtable, recorded in its campaign (channel 'roundtable', linked)."""
    row = _get(uow.session, roundtable_id)
    _host(actor, row)
    if row.campaign_id is None:
        raise Conflict("This roundtable belongs to no campaign.")
    return submit(
        uow, row.campaign_id, channel=SuggestionChannel.ROUNDTABLE.value, text=text, now=now,
        proposer_name=proposer_name, source_ref=f"RT-{row.id}", roundtable_id=row.id,
    )  # fmt: skip


def add_action(
    uow: UnitOfWork, actor: Actor, roundtable_id: int, *, description: str, owner_unit_code: str, due_on: date
) -> dict[str, Any]:
    """A follow-up action with its owner unit and due date."""
    row = _get(uow.session, roundtable_id)
    _host(actor, row)
    if not description.strip():
        raise InvalidInput("Describe the action.")
    action = RoundtableActionRow(
        roundtable_id=row.id, description=description.strip(),
        owner_unit_id=get_unit(uow.session, owner_unit_code).id, due_on=due_on,
    )  # fmt: skip
    uow.session.add(action)
    uow.session.flush()
    result = _action(action, today=due_on)
    uow.commit()
    return result


def complete_action(uow: UnitOfWork, actor: Actor, action_id: int, *, result: str, now: datetime) -> dict[str, Any]:
    """The owner unit reports an action done."""
    action = uow.session.get(RoundtableActionRow, action_id)
    if action is None:
        raise NotFound(f"No action {action_id}.")
    if actor.role is not Role.ADMIN and actor.unit_id != action.owner_unit_id:
        raise Forbidden("Only the owner unit reports the action done.")
    action.done_at, action.result = now, result
    out = _action(action, today=now.date())
    uow.commit()
    return out


def _action(a: RoundtableActionRow, *, today: date) -> dict[str, Any]:
    return {"id": a.id, "description": a.description, "owner_unit_id": a.owner_unit_id,
            "due_on": a.due_on.isoformat(), "done": a.done_at is not None, "result": a.result,
            "overdue": a.done_at is None and today > a.due_on}  # fmt: skip


def show(session: Session, roundtable_id: int, *, today: date) -> dict[str, Any]:
    """A roundtable with participants, suggestions raised and follow-up actions."""
    row = _get(session, roundtable_id)
    people = session.scalars(
        select(RoundtableParticipantRow)
        .where(RoundtableParticipantRow.roundtable_id == row.id)
        .order_by(RoundtableParticipantRow.id)
    )
    actions = session.scalars(
        select(RoundtableActionRow).where(RoundtableActionRow.roundtable_id == row.id).order_by(RoundtableActionRow.id)
    )
    raised = session.scalars(select(SuggestionRow).where(SuggestionRow.roundtable_id == row.id))
    status = RoundtableStatus(row.status)
    return {
        "id": row.id, "title": row.title, "campaign_id": row.campaign_id, "place": row.place,
        "scheduled_at": row.scheduled_at.isoformat(), "status": status.value, "status_zh": status.zh,
        "capacity": row.capacity, "agenda": row.agenda, "minutes": row.minutes,
        "participants": [{"id": p.id, "name": p.name, "kind": p.kind, "affiliation": p.affiliation,
                          "attended": p.attended} for p in people],
        "suggestions": [suggestion_to_dict(s, public=True) for s in raised],
        "actions": [_action(a, today=today) for a in actions],
    }  # fmt: skip


def list_roundtables(session: Session) -> list[dict[str, Any]]:
    """Every roundtable, the newest scheduled first (staff console)."""
    rows = session.scalars(select(RoundtableRow).order_by(RoundtableRow.scheduled_at.desc()))
    return [{"id": r.id, "title": r.title, "campaign_id": r.campaign_id, "place": r.place,
             "scheduled_at": r.scheduled_at.isoformat(), "status": r.status,
             "status_zh": RoundtableStatus(r.status).zh} for r in rows]  # fmt: skip
