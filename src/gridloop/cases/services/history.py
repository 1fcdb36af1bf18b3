"""The caller's history at intake: earlier cases from the same number and open cases at the same address, and
turning a repeat call into a follow-up (追加), a merge into the open case (并单) or a reopen (重办).

Looking a number up is an access to personal data: each look-up is throttled per person and written to the
personal-data access log (the number's hash, never the number) in its own transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import OPEN_STATUSES, Action, Status
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.services.lifecycle import ActionRequest, act
from gridloop.cases.services.queries import get_case
from gridloop.cases.services.scope import visible_cases
from gridloop.cases.tables import CaseRow, PersonalDataAccessRow
from gridloop.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput
from gridloop.kernel.org import Actor, Permission, mask_name, mask_phone
from gridloop.kernel.privacy import mask_personal_data
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services.access import Throttled
from gridloop.platform.org.tables import UnitRow

#: Look-ups a person may make (a hotline operator takes a call every few minutes; a script is stopped).
LOOKUP_LIMITS = ("30/minute", "300/hour")
LIMIT = 10
_PHONE = re.compile(r"^\+?[\d\s\-()]{5,20}$")
#: What a repeat call can become, by the earlier case's state.
MODES = ("follow_up", "merge", "reopen")
_MERGEABLE = frozenset({Status.RECEIVED, Status.DISPATCHED, Status.SIGNED, Status.RETURN_REVIEW})


def digits(phone: str) -> str:
    """The number's digits (spaces, dashes, brackets and a leading + dropped)."""
    return re.sub(r"\D", "", phone)


def _throttle(actor: Actor, deps: ServiceDeps) -> None:
    limiter = deps.cache.limiters.get("caller_history")
    if limiter is None:
        limiter = deps.cache.limiters["caller_history"] = MovingWindowRateLimiter(MemoryStorage())
    for item in (parse(x) for x in LOOKUP_LIMITS):
        if not limiter.hit(item, "caller_history", str(actor.user_id)):
            reset, _ = limiter.get_window_stats(item, "caller_history", str(actor.user_id))
            wait = max(1, int(reset - datetime.now().timestamp()))
            raise Throttled(f"Too many caller look-ups; try again in {wait} s.", retry_after=wait)


def offers(status: str) -> list[str]:
    """What a repeat call about a case in `status` can become."""
    current = Status(status)
    if current in _MERGEABLE:
        return ["follow_up", "merge"]
    if current in OPEN_STATUSES:
        return ["follow_up"]
    if current in (Status.CLOSED, Status.CALLED_BACK):
        return ["reopen"]
    return []


def _row(case: CaseRow, *, units: dict[int, str], private: bool, match: str) -> dict[str, Any]:
    status = Status(case.status)
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title if private else mask_personal_data(case.title),
        "status": status.value,
        "status_label": {"zh": status.zh, "en": status.en},
        "status_colour": status.colour,
        "open": status in OPEN_STATUSES,
        "received_at": case.received_at.isoformat(),
        "address": (case.address or "") if private else mask_personal_data(case.address or ""),
        "lead_unit": units.get(case.lead_unit_id or 0, ""),
        "reporter_name": case.reporter_name if private else mask_name(case.reporter_name),
        "reporter_phone": case.reporter_phone if private else mask_phone(case.reporter_phone),
        "match": match,
        "offers": offers(case.status),
    }


@dataclass(frozen=True)
class Lookup:
    """What the operator typed."""

    phone: str = ""
    address: str = ""


def lookup(uow: UnitOfWork, actor: Actor, query: Lookup, *, deps: ServiceDeps) -> dict[str, Any]:
    """Earlier cases from the number (newest first) and open cases at the same address, in the actor's scope."""
    if not actor.can(Permission.CREATE_CASE):
        raise Forbidden(f"Role '{actor.role.value}' does not take calls.")
    phone, address = query.phone.strip(), query.address.strip()
    if phone and not _PHONE.match(phone):
        raise InvalidInput("Not a phone number.", errors=[FieldError("phone", "is not a phone number")])
    if not phone and len(address) < 4:
        raise InvalidInput(
            "Give a phone number or an address.", errors=[FieldError("phone", "give a phone number or an address")]
        )
    _throttle(actor, deps)
    session = uow.session
    private = actor.can(Permission.VIEW_PERSONAL_DATA)
    by_phone: list[CaseRow] = []
    if phone:
        variants = list({phone, digits(phone)})
        by_phone = list(
            session.scalars(
                select(CaseRow)
                .where(CaseRow.reporter_phone.in_(variants), visible_cases(actor))
                .order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
                .limit(LIMIT)
            )
        )
    near: list[CaseRow] = []
    if len(address) >= 4:
        seen = [c.id for c in by_phone]
        near = list(
            session.scalars(
                select(CaseRow)
                .where(
                    or_(CaseRow.address == address, CaseRow.address.startswith(address, autoescape=True)),
                    CaseRow.status.in_([s.value for s in OPEN_STATUSES]),
                    CaseRow.id.not_in(seen),
                    visible_cases(actor),
                )
                .order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
                .limit(LIMIT)
            )
        )
    unit_ids = {c.lead_unit_id for c in [*by_phone, *near] if c.lead_unit_id}
    units = dict(session.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(unit_ids))).tuples().all())
    result = {
        "by_phone": [_row(c, units=units, private=private, match="phone") for c in by_phone],
        "near": [_row(c, units=units, private=private, match="address") for c in near],
        "masked": not private,
    }
    if phone:
        _audit(session, actor, phone=phone, results=len(by_phone), now=deps.clock.now())
        uow.commit()
    return result


def _audit(session: Session, actor: Actor, *, phone: str, results: int, now: datetime) -> None:
    subject = hashlib.sha256(digits(phone).encode()).hexdigest()
    session.add(
        PersonalDataAccessRow(
            at=now, user_id=actor.user_id, username=actor.username, role=actor.role.value,
            purpose="caller_history", subject=subject, results=results,
        )
    )  # fmt: skip


def repeat_call(
    uow: UnitOfWork, actor: Actor, *, mode: str, target_id: int, data: NewCase, deps: ServiceDeps, idem: str | None
) -> tuple[CaseRow, str]:
    """Make the call a follow-up of, a merge into, or a reopen of the earlier case; returns the case to show and
    what happened (follow_up | merge | reopen | reopen_new)."""
    if mode not in MODES:
        raise InvalidInput("Unknown repeat mode.", errors=[FieldError("mode", f"one of {', '.join(MODES)}")])
    target = get_case(uow.session, actor, target_id)
    if mode not in offers(target.status):
        label = Status(target.status).zh
        raise Conflict(f"Case {target.number} is {target.status} ({label}); a {mode} is not possible now.")
    words = data.text.strip()
    if mode == "follow_up":
        act(uow, actor, target.id, ActionRequest(action=Action.FOLLOW_UP.value, note=words[:2000]), deps=deps)
        return target, "follow_up"
    if mode == "reopen" and target.status == Status.CALLED_BACK.value:
        act(uow, actor, target.id, ActionRequest(action=Action.REOPEN.value, reason=words[:2000]), deps=deps)
        return target, "reopen"
    number = target.number
    if mode == "reopen":  # a closed case stays closed: the new call is a new case that names it (重办)
        tagged = replace(data, tags=[*data.tags, f"重办:{number}"])
        case, _ = receive(uow, actor, tagged, deps=deps, idempotency_key=idem)
        return case, "reopen_new"
    case, _ = receive(uow, actor, data, deps=deps, idempotency_key=idem)
    if case.status != Status.MERGED.value:  # triage may already have merged it into the same parent
        act(uow, actor, case.id, ActionRequest(action=Action.MERGE.value, parent=number), deps=deps)
    return case, "merge"
