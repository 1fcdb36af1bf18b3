"""Suggestion use cases: submit from any channel (exact duplicates linked), cluster into themes, edit themes,
assign to departments, answer per suggestion or per theme (each answer writes an outcome notice), look up."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ValidationProblems
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.ports import Notice
from gridloop.kernel.text import clean_text
from gridloop.participation.adapters.clustering import Clustering, cluster_texts
from gridloop.participation.domain.model import NEEDS_REASON, CampaignStatus, Outcome, SuggestionChannel
from gridloop.participation.domain.stats import text_key
from gridloop.participation.services.campaigns import get_campaign, require_staff
from gridloop.participation.tables import CampaignRow, SuggestionRow, ThemeRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit

Clusterer = Callable[..., Clustering]


def suggestion_to_dict(row: SuggestionRow, *, public: bool = False) -> dict[str, Any]:
    """A suggestion as JSON; the public form hides the proposer's contact."""
    out = {
        "id": row.id, "campaign_id": row.campaign_id, "receipt": row.receipt, "channel": row.channel,
        "channel_zh": SuggestionChannel(row.channel).zh, "question": row.question, "text": row.text,
        "duplicate_of": row.duplicate_of_id, "theme_id": row.theme_id, "department_unit_id": row.department_unit_id,
        "outcome": row.outcome, "outcome_zh": Outcome(row.outcome).zh if row.outcome else None,
        "outcome_reason": row.outcome_reason, "received_at": row.received_at.isoformat(),
    }  # fmt: skip
    if not public:
        out |= {"proposer_name": row.proposer_name, "proposer_contact": row.proposer_contact,
                "source_ref": row.source_ref, "roundtable_id": row.roundtable_id}  # fmt: skip
    return out


def theme_to_dict(row: ThemeRow, *, size: int) -> dict[str, Any]:
    """A theme as JSON."""
    return {
        "id": row.id, "campaign_id": row.campaign_id, "label": row.label, "key_terms": row.key_terms,
        "representative_ids": row.representative_ids, "edited": row.edited, "size": size,
        "department_unit_id": row.department_unit_id, "outcome": row.outcome,
        "outcome_zh": Outcome(row.outcome).zh if row.outcome else None, "outcome_reason": row.outcome_reason,
    }  # fmt: skip


def _new_suggestion(
    session: Session, campaign: CampaignRow, *, channel: str, text: str, now: datetime, proposer_name: str,
    proposer_contact: str, source_ref: str, question: int | None, roundtable_id: int | None = None,
) -> SuggestionRow:  # fmt: skip
    problems = ValidationProblems()
    try:
        SuggestionChannel.parse(channel)
    except ValueError as exc:
        problems.add("channel", str(exc))
    body = clean_text(text)
    if len(body) < 5:
        problems.add("text", "write at least 5 characters")
    if question is not None and not 0 <= question < len(campaign.questions):
        problems.add("question", f"the campaign has {len(campaign.questions)} questions (0-based)")
    problems.raise_if_any()
    if channel not in campaign.channels:
        raise Conflict(f"Campaign '{campaign.code}' does not collect through '{channel}'.")
    if campaign.status != CampaignStatus.OPEN.value:
        raise Conflict(f"Campaign '{campaign.code}' is not open for suggestions ({campaign.status}).")
    key = text_key(body)
    first = session.scalar(
        select(SuggestionRow.id)
        .where(SuggestionRow.campaign_id == campaign.id, SuggestionRow.text_key == key)
        .order_by(SuggestionRow.id)
        .limit(1)
    )
    row = SuggestionRow(
        campaign_id=campaign.id, receipt="JY" + secrets.token_hex(5).upper(), channel=channel,
        source_ref=source_ref, question=question, proposer_name=proposer_name.strip(),
        proposer_contact=proposer_contact.strip(), text=body, text_key=key, duplicate_of_id=first, received_at=now,
        roundtable_id=roundtable_id,
    )  # fmt: skip
    session.add(row)
    return row


def submit(
    uow: UnitOfWork, campaign_id: int, *, channel: str, text: str, now: datetime, proposer_name: str = "",
    proposer_contact: str = "", source_ref: str = "", question: int | None = None, roundtable_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Record one suggestion (web form, 12345 call, roundtable, letter, visit); returns it with its receipt."""
    campaign = get_campaign(uow.session, campaign_id)
    row = _new_suggestion(
        uow.session, campaign, channel=channel, text=text, now=now, proposer_name=proposer_name,
        proposer_contact=proposer_contact, source_ref=source_ref, question=question, roundtable_id=roundtable_id,
    )  # fmt: skip
    uow.session.flush()
    result = suggestion_to_dict(row)
    uow.commit()
    return result


def lookup(session: Session, receipt: str) -> dict[str, Any]:
    """What a proposer sees with their receipt: the suggestion, its theme and the outcome with reasons."""
    row = session.scalar(select(SuggestionRow).where(SuggestionRow.receipt == receipt.strip().upper()))
    if row is None:
        raise NotFound("No suggestion with this receipt.")
    out = suggestion_to_dict(row, public=True)
    theme = session.get(ThemeRow, row.theme_id) if row.theme_id else None
    out["theme"] = theme.label if theme else None
    return out


def list_suggestions(
    session: Session, campaign_id: int, *, theme_id: int | None = None, limit: int = 200, offset: int = 0
) -> list[dict[str, Any]]:
    """A campaign's suggestions (staff view), oldest first."""
    query = select(SuggestionRow).where(SuggestionRow.campaign_id == campaign_id)
    if theme_id is not None:
        query = query.where(SuggestionRow.theme_id == theme_id)
    rows = session.scalars(query.order_by(SuggestionRow.id).offset(offset).limit(limit))
    return [suggestion_to_dict(r) for r in rows]


def cluster(
    uow: UnitOfWork, actor: Actor, campaign_id: int, *, now: datetime, k: int | None = None,
    clusterer: Clusterer = cluster_texts,
) -> dict[str, Any]:  # fmt: skip
    """Sort a campaign's suggestions into themes (replacing unedited, unanswered themes); near-duplicates link."""
    session = uow.session
    campaign = get_campaign(session, campaign_id)
    require_staff(actor, campaign)
    if session.scalar(select(ThemeRow.id).where(ThemeRow.campaign_id == campaign_id, ThemeRow.outcome.is_not(None))):
        raise Conflict("Themes of this campaign were already answered; edit them instead of clustering again.")
    rows = list(
        session.scalars(
            select(SuggestionRow)
            .where(SuggestionRow.campaign_id == campaign_id, SuggestionRow.duplicate_of_id.is_(None))
            .order_by(SuggestionRow.id)
        )
    )
    session.execute(update(SuggestionRow).where(SuggestionRow.campaign_id == campaign_id).values(theme_id=None))
    for old in session.scalars(select(ThemeRow).where(ThemeRow.campaign_id == campaign_id)):
        session.delete(old)
    session.flush()
    result = clusterer([r.text for r in rows], k=k)
    themes = []
    for draft in result.themes:
        theme = ThemeRow(
            campaign_id=campaign_id, label=draft.label or "未命名主题", key_terms=list(draft.key_terms),
            representative_ids=[rows[i].id for i in draft.representatives],
        )  # fmt: skip
        session.add(theme)
        themes.append(theme)
    session.flush()
    for i, t in enumerate(result.assignment):
        rows[i].theme_id = themes[t].id
    for dup, first in result.duplicates.items():
        rows[dup].duplicate_of_id = rows[first].id
    campaign.clustered_at = now
    session.flush()
    sizes = [len(d.members) for d in result.themes]
    summary = {"campaign_id": campaign_id, "suggestions": len(rows), "near_duplicates": len(result.duplicates),
               "themes": [theme_to_dict(t, size=s) for t, s in zip(themes, sizes, strict=True)]}  # fmt: skip
    uow.commit()
    return summary


def list_themes(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """A campaign's themes with their sizes (duplicates not counted), largest first."""
    from sqlalchemy import func

    sizes = dict(
        session.execute(
            select(SuggestionRow.theme_id, func.count(SuggestionRow.id))
            .where(SuggestionRow.campaign_id == campaign_id, SuggestionRow.duplicate_of_id.is_(None))
            .group_by(SuggestionRow.theme_id)
        ).all()
    )
    themes = session.scalars(select(ThemeRow).where(ThemeRow.campaign_id == campaign_id))
    return sorted((theme_to_dict(t, size=sizes.get(t.id, 0)) for t in themes), key=lambda d: -int(d["size"]))


def _theme(session: Session, theme_id: int) -> tuple[ThemeRow, CampaignRow]:
    theme = session.get(ThemeRow, theme_id)
    if theme is None:
        raise NotFound(f"No theme {theme_id}.")
    return theme, get_campaign(session, theme.campaign_id)


def edit_theme(
    uow: UnitOfWork, actor: Actor, theme_id: int, *, label: str | None = None, key_terms: list[str] | None = None,
    merge_into: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Staff rename a theme, change its key terms, or merge it into another theme of the same campaign."""
    session = uow.session
    theme, campaign = _theme(session, theme_id)
    require_staff(actor, campaign)
    if merge_into is not None:
        target, _ = _theme(session, merge_into)
        if target.campaign_id != theme.campaign_id or target.id == theme.id:
            raise InvalidInput("Merge into another theme of the same campaign.")
        session.execute(update(SuggestionRow).where(SuggestionRow.theme_id == theme.id).values(theme_id=target.id))
        target.representative_ids = list(dict.fromkeys(target.representative_ids + theme.representative_ids))[:5]
        session.delete(theme)
        theme = target
    if label is not None:
        if not label.strip():
            raise InvalidInput("A theme's label must not be empty.")
        theme.label = label.strip()
    if key_terms is not None:
        theme.key_terms = [t.strip() for t in key_terms if t.strip()]
    theme.edited, theme.edited_by = True, actor.username
    session.flush()
    result = next(t for t in list_themes(session, theme.campaign_id) if t["id"] == theme.id)
    uow.commit()
    return result


def move_suggestion(uow: UnitOfWork, actor: Actor, suggestion_id: int, *, theme_id: int) -> dict[str, Any]:
    """Staff move one suggestion to another theme."""
    row = uow.session.get(SuggestionRow, suggestion_id)
    if row is None:
        raise NotFound(f"No suggestion {suggestion_id}.")
    theme, campaign = _theme(uow.session, theme_id)
    require_staff(actor, campaign)
    if theme.campaign_id != row.campaign_id:
        raise InvalidInput("The theme belongs to another campaign.")
    row.theme_id = theme.id
    row.department_unit_id = theme.department_unit_id or row.department_unit_id
    result = suggestion_to_dict(row)
    uow.commit()
    return result


def assign_theme(uow: UnitOfWork, actor: Actor, theme_id: int, *, unit_code: str) -> dict[str, Any]:
    """Send a theme (and its suggestions) to a department for study."""
    session = uow.session
    theme, campaign = _theme(session, theme_id)
    require_staff(actor, campaign)
    unit = get_unit(session, unit_code).id
    theme.department_unit_id = unit
    session.execute(update(SuggestionRow).where(SuggestionRow.theme_id == theme.id).values(department_unit_id=unit))
    session.flush()
    result = next(t for t in list_themes(session, theme.campaign_id) if t["id"] == theme.id)
    uow.commit()
    return result


def _may_answer(actor: Actor, campaign: CampaignRow, department: int | None) -> None:
    if actor.role is Role.ADMIN or actor.unit_id in (campaign.owner_unit_id, department):
        return
    raise Forbidden("Only the department the suggestion was sent to, or the campaign's owner, answers it.")


def _check_answer(outcome: str, reason: str) -> Outcome:
    if outcome not in {o.value for o in Outcome}:
        raise InvalidInput(f"unknown outcome {outcome!r}; one of: {', '.join(o.value for o in Outcome)}")
    chosen = Outcome(outcome)
    if chosen in NEEDS_REASON and not reason.strip():
        raise InvalidInput(f"'{chosen.zh}' needs the reason the proposer is told.")
    return chosen


#: Outbox topic of the notice telling a proposer the outcome of a suggestion.
OUTCOME_NOTICE = "participation_outcome"


def outcome_notice(campaign: CampaignRow, row: SuggestionRow, outcome: Outcome, reason: str) -> Notice:
    """The notice to one proposer; the contact travels in the payload only (never in the title, body or logs)."""
    return Notice(
        kind=OUTCOME_NOTICE, title=f"您对“{campaign.topic}”的建议办理结果",
        body=f"您提出的建议（回执号 {row.receipt}）办理结果：{outcome.zh}。{reason}".strip(),
        payload={"receipt": row.receipt, "outcome": outcome.value, "campaign": campaign.code,
                 "suggestion_id": row.id, "recipient": row.proposer_contact},
    )  # fmt: skip


def _answer_rows(
    session: Session, campaign: CampaignRow, rows: list[SuggestionRow], *, outcome: Outcome, reason: str,
    actor: Actor, now: datetime, outbox: Any,
) -> int:  # fmt: skip
    for row in rows:
        row.outcome, row.outcome_reason, row.answered_at, row.answered_by = outcome.value, reason, now, actor.username
        if outbox is not None:
            outbox.enqueue(session, outcome_notice(campaign, row, outcome, reason), now=now)
    return len(rows)


def answer_suggestion(
    uow: UnitOfWork, actor: Actor, suggestion_id: int, *, outcome: str, reason: str, now: datetime, outbox: Any
) -> dict[str, Any]:
    """Answer one suggestion (and its exact duplicates); each proposer gets an outcome notice (outbox)."""
    session = uow.session
    row = session.get(SuggestionRow, suggestion_id)
    if row is None:
        raise NotFound(f"No suggestion {suggestion_id}.")
    campaign = get_campaign(session, row.campaign_id)
    _may_answer(actor, campaign, row.department_unit_id)
    chosen = _check_answer(outcome, reason)
    dups = list(session.scalars(select(SuggestionRow).where(SuggestionRow.duplicate_of_id == row.id)))
    _answer_rows(session, campaign, [row, *dups], outcome=chosen, reason=reason, actor=actor, now=now, outbox=outbox)
    session.flush()
    result = suggestion_to_dict(row)
    uow.commit()
    return result


def answer_theme(
    uow: UnitOfWork, actor: Actor, theme_id: int, *, outcome: str, reason: str, now: datetime, outbox: Any,
    overwrite: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Answer a theme: every suggestion in it (and their duplicates) not answered on its own gets this answer."""
    session = uow.session
    theme, campaign = _theme(session, theme_id)
    _may_answer(actor, campaign, theme.department_unit_id)
    chosen = _check_answer(outcome, reason)
    theme.outcome, theme.outcome_reason, theme.answered_at = chosen.value, reason, now
    members = list(session.scalars(select(SuggestionRow).where(SuggestionRow.theme_id == theme.id)))
    ids = [m.id for m in members]
    members += list(session.scalars(select(SuggestionRow).where(SuggestionRow.duplicate_of_id.in_(ids))))
    todo = list({m.id: m for m in members if overwrite or m.outcome is None}.values())
    count = _answer_rows(session, campaign, todo, outcome=chosen, reason=reason, actor=actor, now=now, outbox=outbox)
    session.flush()
    result = {**next(t for t in list_themes(session, theme.campaign_id) if t["id"] == theme.id), "answered": count}
    uow.commit()
    return result


def from_hotline_case(
    uow: UnitOfWork, actor: Actor, campaign_id: int, *, case_number: str, now: datetime
) -> dict[str, Any]:
    """Take a 12345 case marked as a suggestion (request type 'suggestion') into the campaign, once."""
    from gridloop.cases.services.queries import get_case_by_number

    case = get_case_by_number(uow.session, actor, case_number)
    if case.request_type != "suggestion":
        raise Conflict(f"Case {case_number} is a '{case.request_type}', not a suggestion (建议).")
    taken = uow.session.scalar(
        select(SuggestionRow.id).where(
            SuggestionRow.campaign_id == campaign_id, SuggestionRow.source_ref == case_number
        )
    )
    if taken is not None:
        raise Conflict(f"Case {case_number} is already suggestion {taken} of this campaign.")
    return submit(
        uow, campaign_id, channel=SuggestionChannel.HOTLINE.value, text=f"{case.title}：{case.text}", now=now,
        proposer_name=case.reporter_name or "", proposer_contact=case.reporter_phone or "", source_ref=case_number,
    )  # fmt: skip
