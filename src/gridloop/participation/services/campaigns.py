"""Campaign use cases: create, open, close, list (the open ones publicly), show with statistics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, Forbidden, NotFound, ValidationProblems
from gridloop.kernel.org import Actor, Role
from gridloop.participation.domain.model import CampaignStatus, Outcome, SuggestionChannel
from gridloop.participation.domain.stats import tally, tally_by
from gridloop.participation.tables import CampaignRow, SuggestionRow, ThemeRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit


def require_staff(actor: Actor, campaign: CampaignRow) -> None:
    """Only the owning unit (or an administrator) runs a campaign."""
    if actor.role is not Role.ADMIN and actor.unit_id != campaign.owner_unit_id:
        raise Forbidden("Only the campaign's owning unit (or an administrator) does this.")


def get_campaign(session: Session, campaign_id: int) -> CampaignRow:
    """A campaign by id, or NotFound."""
    row = session.get(CampaignRow, campaign_id)
    if row is None:
        raise NotFound(f"No campaign {campaign_id}.")
    return row


def campaign_to_dict(row: CampaignRow) -> dict[str, Any]:
    """A campaign as JSON (public fields only)."""
    status = CampaignStatus(row.status)
    return {
        "id": row.id, "code": row.code, "topic": row.topic, "description": row.description,
        "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(), "status": status.value,
        "status_zh": status.zh, "channels": row.channels, "questions": row.questions,
        "channels_zh": [SuggestionChannel(c).zh for c in row.channels],
    }  # fmt: skip


def create_campaign(
    uow: UnitOfWork, actor: Actor, *, code: str, topic: str, starts_on: date, ends_on: date, channels: list[str],
    questions: list[str], now: datetime, description: str = "", owner_unit_code: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Create a campaign (draft) owned by the actor's unit or the named one."""
    problems = ValidationProblems()
    if not topic.strip():
        problems.add("topic", "must not be empty")
    if ends_on < starts_on:
        problems.add("ends_on", "must not be before starts_on")
    for c in channels:
        try:
            SuggestionChannel.parse(c)
        except ValueError as exc:
            problems.add("channels", str(exc))
    if not channels:
        problems.add("channels", "name at least one channel")
    if uow.session.scalar(select(CampaignRow.id).where(CampaignRow.code == code)) is not None:
        problems.add("code", f"campaign '{code}' already exists")
    problems.raise_if_any()
    owner = get_unit(uow.session, owner_unit_code).id if owner_unit_code else actor.unit_id
    row = CampaignRow(
        code=code, topic=topic.strip(), description=description, starts_on=starts_on, ends_on=ends_on,
        owner_unit_id=owner, owner_user=actor.username, channels=list(dict.fromkeys(channels)),
        questions=[q for q in questions if q.strip()], status=CampaignStatus.DRAFT.value, created_at=now,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    result = campaign_to_dict(row)
    uow.commit()
    return result


_MOVES = {
    (CampaignStatus.DRAFT, CampaignStatus.OPEN),
    (CampaignStatus.OPEN, CampaignStatus.CLOSED),
    (CampaignStatus.CLOSED, CampaignStatus.OPEN),
}


def set_status(uow: UnitOfWork, actor: Actor, campaign_id: int, *, status: str) -> dict[str, Any]:
    """Open or close a campaign."""
    row = get_campaign(uow.session, campaign_id)
    require_staff(actor, row)
    new = CampaignStatus.parse(status)
    if (CampaignStatus(row.status), new) not in _MOVES:
        raise Conflict(f"A campaign that is '{row.status}' cannot become '{new.value}'.")
    row.status = new.value
    result = campaign_to_dict(row)
    uow.commit()
    return result


def list_campaigns(session: Session, *, public: bool) -> list[dict[str, Any]]:
    """Campaigns, newest first; the public sees open and closed ones, never drafts."""
    query = select(CampaignRow).order_by(CampaignRow.id.desc())
    if public:
        query = query.where(CampaignRow.status != CampaignStatus.DRAFT.value)
    return [campaign_to_dict(r) for r in session.scalars(query)]


def campaign_stats(session: Session, campaign_id: int) -> dict[str, Any]:
    """Adoption statistics per campaign, theme, department and channel (duplicates not counted)."""
    get_campaign(session, campaign_id)
    rows = session.execute(
        select(
            SuggestionRow.theme_id, SuggestionRow.department_unit_id, SuggestionRow.channel, SuggestionRow.outcome
        ).where(SuggestionRow.campaign_id == campaign_id, SuggestionRow.duplicate_of_id.is_(None))
    ).all()
    labels = dict(session.execute(select(ThemeRow.id, ThemeRow.label).where(ThemeRow.campaign_id == campaign_id)).all())
    return {
        "campaign": tally(r.outcome for r in rows).as_dict(),
        "duplicates": len(
            session.scalars(
                select(SuggestionRow.id).where(
                    SuggestionRow.campaign_id == campaign_id, SuggestionRow.duplicate_of_id.is_not(None)
                )
            ).all()
        ),
        "by_theme": {labels.get(int(k), k) if k != "-" else "-": v.as_dict()
                     for k, v in tally_by((str(r.theme_id) if r.theme_id else "-", r.outcome) for r in rows).items()},
        "by_department": {str(k): v.as_dict() for k, v in tally_by(
            (str(r.department_unit_id) if r.department_unit_id else "-", r.outcome) for r in rows).items()},
        "by_channel": {k: v.as_dict() for k, v in tally_by((r.channel, r.outcome) for r in rows).items()},
    }  # fmt: skip


def public_campaign(session: Session, campaign_id: int) -> dict[str, Any]:
    """What the public sees of a campaign: topic, questions, themes with their answers, statistics."""
    row = get_campaign(session, campaign_id)
    if row.status == CampaignStatus.DRAFT.value:
        raise NotFound(f"No campaign {campaign_id}.")
    themes = session.scalars(select(ThemeRow).where(ThemeRow.campaign_id == campaign_id).order_by(ThemeRow.id))
    stats = campaign_stats(session, campaign_id)
    return {
        **campaign_to_dict(row),
        "themes": [{"label": t.label, "key_terms": t.key_terms, "outcome": t.outcome,
                    "outcome_zh": Outcome(t.outcome).zh if t.outcome else None,
                    "outcome_reason": t.outcome_reason} for t in themes],
        "stats": stats["campaign"],
    }  # fmt: skip


def unit_names(session: Session, ids: Any) -> dict[int, str]:
    """Names of the units with these ids (departments in statistics and on the console)."""
    from gridloop.platform.org.tables import UnitRow

    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted:
        return {}
    rows = session.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(wanted))).all()
    return {int(i): str(n) for i, n in rows}
