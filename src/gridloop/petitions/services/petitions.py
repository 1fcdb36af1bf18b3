"""Petition use cases: register (with 诉访分离 and repeat checks), accept, reject, guide to the legal channel,
extend, answer, 复查, 复核, close; each opens no transaction of its own but commits the caller's unit of work once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, ValidationProblems
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.text import clean_text
from gridloop.petitions.domain.lifecycle import PETITIONER_WINDOWS, STATUS_LIMIT, next_status
from gridloop.petitions.domain.limits import TimeLimit, due_after, limits_with
from gridloop.petitions.domain.model import Action, LegalChannel, PetitionChannel, PetitionClass, Status
from gridloop.petitions.domain.repeat import Prior, check_repeat
from gridloop.petitions.domain.separation import separate
from gridloop.petitions.services.access import get_visible, petition_detail, petition_summary, visible_clause
from gridloop.petitions.tables import PetitionEventRow, PetitionLimitRow, PetitionRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services.org import get_unit

Json = dict[str, Any]

#: Visits by groups send representatives: at most five (信访工作条例, reference §1 [S]).
MAX_GROUP_REPRESENTATIVES = 5


@dataclass(frozen=True)
class PetitionIn:
    """What the petition office registers."""

    petition_class: str
    channel: str
    petitioner_name: str
    subject: str
    facts: str
    petitioner_phone: str = ""
    petitioner_id_number: str = ""
    request: str = ""
    respondent: str = ""
    respondent_unit_code: str | None = None
    group_size: int = 1
    representatives: int = 1


def load_limits(session: Session) -> dict[str, TimeLimit]:
    """The time limits in force: the regulation's defaults with the administrator's overrides."""
    return limits_with({r.key: r.days for r in session.scalars(select(PetitionLimitRow))})


def set_limit(uow: UnitOfWork, actor: Actor, *, key: str, days: int, now: datetime) -> dict[str, Any]:
    """An administrator overrides one time limit (days); returns the limit now in force."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an administrator changes petition time limits.")
    try:
        limit = limits_with({key: days})[key]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    row = uow.session.get(PetitionLimitRow, key) or PetitionLimitRow(key=key)
    row.days, row.set_by, row.set_at = days, actor.username, now
    uow.session.add(row)
    uow.commit()
    return limit_to_dict(limit)


def limit_to_dict(limit: TimeLimit) -> dict[str, Any]:
    """One limit as JSON."""
    return {"key": limit.key, "days": limit.days, "starts_at": limit.starts_at, "zh": limit.zh, "en": limit.en,
            "basis": limit.basis, "citation": limit.citation}  # fmt: skip


def petitioner_key(*, id_number: str, phone: str, name: str) -> str:
    """A stable key for 'the same petitioner' (ID number, else phone, else name), hashed."""
    basis = id_number.strip().upper() or "".join(ch for ch in phone if ch.isdigit()) or name.strip()
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _validate(data: PetitionIn) -> PetitionIn:
    problems = ValidationProblems()
    for name, enum in (("petition_class", PetitionClass), ("channel", PetitionChannel)):
        try:
            enum.parse(getattr(data, name))
        except ValueError as exc:
            problems.add(name, str(exc))
    if not data.petitioner_name.strip():
        problems.add("petitioner_name", "must not be empty")
    if not clean_text(data.subject):
        problems.add("subject", "must not be empty")
    if not clean_text(data.facts):
        problems.add("facts", "must not be empty")
    if data.group_size > 1 and data.representatives > MAX_GROUP_REPRESENTATIVES:
        problems.add("representatives", f"a group sends at most {MAX_GROUP_REPRESENTATIVES} representatives")
    problems.raise_if_any()
    return data


def _event(
    session: Session, row: PetitionRow, *, action: str, before: str, actor: Actor, now: datetime, note: str = ""
) -> None:
    session.add(
        PetitionEventRow(
            petition_id=row.id, action=action, from_status=before, to_status=row.status, at=now,
            by_user=actor.username, unit_id=actor.unit_id, note=note, due_at=row.due_at,
        )
    )  # fmt: skip


def _enter(row: PetitionRow, status: Status, *, now: datetime, limits: dict[str, TimeLimit], tz: tzinfo) -> None:
    """Set the status and the clock that starts with it (calendar days)."""
    row.status = status.value
    key = STATUS_LIMIT.get(status)
    row.due_limit = key or ""
    row.due_at = due_after(now, limits[key].days, tz=tz) if key else None


def register(uow: UnitOfWork, actor: Actor, data: PetitionIn, *, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """Register a petition at the actor's unit (the petition office): 诉访分离 advice, repeat link, the 复核 bar."""
    data = _validate(data)
    session = uow.session
    limits = load_limits(session)
    key = petitioner_key(id_number=data.petitioner_id_number, phone=data.petitioner_phone, name=data.petitioner_name)
    text = f"{clean_text(data.subject)} {clean_text(data.facts)} {clean_text(data.request)}"
    priors = [
        Prior(p.id, p.root_id or p.id, Status(p.status), f"{p.subject} {p.facts} {p.request}")
        for p in session.scalars(select(PetitionRow).where(PetitionRow.petitioner_key == key))
    ]
    repeat = check_repeat(text, priors)
    legal = separate(text)
    respondent_unit = get_unit(session, data.respondent_unit_code).id if data.respondent_unit_code else None
    year = now.astimezone(tz).year
    seq = (session.scalar(select(func.count(PetitionRow.id))) or 0) + 1
    row = PetitionRow(
        number=f"XF{year}-{seq:06d}",
        petition_class=data.petition_class, channel=data.channel, status=Status.REGISTERED.value,
        petitioner_name=data.petitioner_name.strip(), petitioner_phone=data.petitioner_phone.strip(),
        petitioner_id_number=data.petitioner_id_number.strip(), petitioner_key=key, group_size=data.group_size,
        subject=clean_text(data.subject), facts=clean_text(data.facts), request=clean_text(data.request),
        respondent=data.respondent, respondent_unit_id=respondent_unit, intake_unit_id=actor.unit_id,
        received_at=now, repeat_of_id=repeat.repeat_of, root_id=repeat.root_id, created_by=actor.username,
        separation={"legal": legal.as_dict(), "repeat": {"repeat_of": repeat.repeat_of, "barred": repeat.barred,
                                                          "similarity": round(repeat.similarity, 3),
                                                          "reason": repeat.reason}},
    )  # fmt: skip
    _enter(row, Status.REGISTERED, now=now, limits=limits, tz=tz)
    session.add(row)
    session.flush()
    if row.root_id is None:
        row.root_id = row.id
    else:
        root = session.get(PetitionRow, row.root_id)
        if root is not None:
            root.repeat_count += 1
    _event(session, row, action="register", before="", actor=actor, now=now, note=repeat.reason)
    if repeat.barred:
        _apply(session, row, Action.REJECT, actor=actor, now=now, limits=limits, tz=tz, note=repeat.reason)
    result = petition_detail(session, row, actor)
    uow.commit()
    return result


def _apply(
    session: Session, row: PetitionRow, action: Action, *, actor: Actor, now: datetime,
    limits: dict[str, TimeLimit], tz: tzinfo, note: str = "",
) -> None:  # fmt: skip
    before = Status(row.status)
    after = next_status(before, action)
    window = action in (Action.REQUEST_REVIEW, Action.REQUEST_REREVIEW) and before in PETITIONER_WINDOWS
    if window and row.due_at is not None and now > row.due_at:
        raise Conflict(
            f"The window to ask for {'复查' if action is Action.REQUEST_REVIEW else '复核'} closed on "
            f"{row.due_at.astimezone(tz):%Y-%m-%d} ({limits[row.due_limit].days} days); the request is late."
        )
    if after is not before:
        _enter(row, after, now=now, limits=limits, tz=tz)
    if after in (Status.NOT_ACCEPTED, Status.GUIDED_TO_LEGAL, Status.CLOSED, Status.CLOSED_FINAL):
        row.closed_at = now
    _event(session, row, action=action.value, before=before.value, actor=actor, now=now, note=note)


def _open(uow: UnitOfWork, actor: Actor, petition_id: int) -> tuple[PetitionRow, dict[str, TimeLimit]]:
    return get_visible(uow.session, actor, petition_id), load_limits(uow.session)


def _finish(uow: UnitOfWork, actor: Actor, row: PetitionRow) -> dict[str, Any]:
    uow.session.flush()
    result = petition_detail(uow.session, row, actor)
    uow.commit()
    return result


def accept(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, handling_unit_code: str, now: datetime, tz: tzinfo,
    note: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Accept and send to the competent organ; the 60-day handling clock starts (petitioner told: the event)."""
    row, limits = _open(uow, actor, petition_id)
    if row.separation.get("repeat", {}).get("barred"):
        raise Conflict("This matter was closed at 复核 on the same facts; it is not accepted again.")
    row.handling_unit_id = get_unit(uow.session, handling_unit_code).id
    row.accepted_at = now
    _apply(uow.session, row, Action.ACCEPT, actor=actor, now=now, limits=limits, tz=tz, note=note)
    return _finish(uow, actor, row)


def reject(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, reason: str, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """Decide not to accept, with the reason the petitioner is told."""
    if not reason.strip():
        raise InvalidInput("A decision not to accept needs a reason for the petitioner.")
    row, limits = _open(uow, actor, petition_id)
    _apply(uow.session, row, Action.REJECT, actor=actor, now=now, limits=limits, tz=tz, note=reason)
    return _finish(uow, actor, row)


def guide_to_legal(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, channel: str | None, now: datetime, tz: tzinfo, note: str = ""
) -> dict[str, Any]:
    """诉访分离: close the petition as belonging to a statutory procedure, telling the petitioner which one."""
    row, limits = _open(uow, actor, petition_id)
    advice = row.separation.get("legal", {})
    chosen = LegalChannel.parse(channel) if channel else None
    if chosen is None and advice.get("channel"):
        chosen = LegalChannel(advice["channel"])
    if chosen is None:
        raise Conflict("No legal channel was detected for this matter; name one (channel=…).")
    row.legal_channel = chosen.value
    guidance = advice.get("guidance", "") if advice.get("channel") == chosen.value else ""
    text = f"{chosen.zh}: {guidance or note}".strip()
    _apply(uow.session, row, Action.GUIDE_LEGAL, actor=actor, now=now, limits=limits, tz=tz, note=text)
    return _finish(uow, actor, row)


def extend(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, reason: str, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """Extend handling once, by at most the extension limit, with the reason the petitioner is told."""
    row, limits = _open(uow, actor, petition_id)
    if row.extended:
        raise Conflict("The handling period was already extended once; the regulation allows one extension.")
    if not reason.strip():
        raise Conflict("An extension needs the reason the petitioner is told.")
    _apply(uow.session, row, Action.EXTEND, actor=actor, now=now, limits=limits, tz=tz, note=reason)
    assert row.due_at is not None and row.accepted_at is not None
    row.due_at = due_after(row.accepted_at, limits["handling"].days, tz=tz) + timedelta(days=limits["extension"].days)
    row.due_limit = "extension"
    row.extended = True
    return _finish(uow, actor, row)


def answer(uow: UnitOfWork, actor: Actor, petition_id: int, *, text: str, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """The handling organ answers in writing; the petitioner's 30-day window for 复查 opens."""
    row, limits = _open(uow, actor, petition_id)
    if actor.unit_id != row.handling_unit_id:
        raise Forbidden("Only the handling organ answers a petition.")
    row.answer_text, row.answered_at = text, now
    _apply(uow.session, row, Action.ANSWER, actor=actor, now=now, limits=limits, tz=tz, note=text)
    return _finish(uow, actor, row)


def request_review(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, unit_code: str, level: str, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """The petitioner asks the next higher organ (复查 when level='review', 复核 when 'rereview'), within the window."""
    row, limits = _open(uow, actor, petition_id)
    unit = get_unit(uow.session, unit_code).id
    action = Action.REQUEST_REVIEW if level == "review" else Action.REQUEST_REREVIEW
    _apply(uow.session, row, action, actor=actor, now=now, limits=limits, tz=tz, note=f"to unit {unit_code}")
    if action is Action.REQUEST_REVIEW:
        row.review_unit_id = unit
    else:
        row.rereview_unit_id = unit
    return _finish(uow, actor, row)


def decide_review(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, level: str, text: str, now: datetime, tz: tzinfo
) -> dict[str, Any]:
    """The review (or re-review) organ gives its opinion; after 复核 the matter is closed for good."""
    row, limits = _open(uow, actor, petition_id)
    organ = row.review_unit_id if level == "review" else row.rereview_unit_id
    if actor.unit_id != organ:
        raise Forbidden("Only the organ asked for the review gives its opinion.")
    action = Action.DECIDE_REVIEW if level == "review" else Action.DECIDE_REREVIEW
    _apply(uow.session, row, action, actor=actor, now=now, limits=limits, tz=tz, note=text)
    return _finish(uow, actor, row)


def close(
    uow: UnitOfWork, actor: Actor, petition_id: int, *, now: datetime, tz: tzinfo, note: str = ""
) -> dict[str, Any]:
    """Close an answered or reviewed petition (the petitioner accepted it, or the window passed)."""
    row, limits = _open(uow, actor, petition_id)
    _apply(uow.session, row, Action.CLOSE, actor=actor, now=now, limits=limits, tz=tz, note=note)
    return _finish(uow, actor, row)


def list_petitions(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Petitions the actor's unit handles, newest first."""
    query = select(PetitionRow).where(visible_clause(actor)).order_by(PetitionRow.id.desc()).limit(limit)
    if status:
        query = query.where(PetitionRow.status == Status.parse(status).value)
    return [petition_summary(r, actor) for r in session.scalars(query)]


def show(session: Session, actor: Actor, petition_id: int) -> dict[str, Any]:
    """One petition in full, if the actor's unit handles it."""
    return petition_detail(session, get_visible(session, actor, petition_id), actor)


def overdue(session: Session, actor: Actor, *, now: datetime) -> list[dict[str, Any]]:
    """Visible petitions whose office clock (not a petitioner's window) has run out."""
    office = [s.value for s in STATUS_LIMIT if s not in PETITIONER_WINDOWS]
    query = select(PetitionRow).where(visible_clause(actor), PetitionRow.status.in_(office), PetitionRow.due_at < now)
    return [petition_summary(r, actor) for r in session.scalars(query.order_by(PetitionRow.due_at))]


def separation_advice(text: str) -> dict[str, Any]:
    """诉访分离 advice for a free text (nothing stored)."""
    return separate(clean_text(text)).as_dict()
