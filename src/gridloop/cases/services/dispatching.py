"""Auto-dispatch (智能派单): route a freshly received case by the catalogue, or queue it with a suggestion.

Run as a subscriber of `CaseReceived` inside the intake transaction. A case is dispatched by the system when a
catalogue rule matches its category and area and the classifier's confidence reaches the threshold, or at
once when it is an emergency; the rule's reply limit for the request type sets the reply deadline. Otherwise
it stays with the dispatcher, with the case's `suggested_unit` and `suggest_reason` saying which unit and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services.lifecycle import ActionRequest, perform
from gridloop.cases.tables import CaseRow
from gridloop.dispatch.services import RouteResult, route
from gridloop.dispatch.services.catalogue import Catalogue, active_catalogue
from gridloop.kernel.errors import DomainError
from gridloop.kernel.events import CaseReceived
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.ports import DeadlinePolicy, Notice
from gridloop.kernel.sla import TimeLimit, WorkdayDeadlinePolicy
from gridloop.platform.db.batch import batch_cache, batch_cached
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import UnitRow, UserRow

SYSTEM_USERNAME = "system"


@dataclass(frozen=True)
class Decision:
    """What auto-dispatch decided for one case."""

    auto: bool
    route: RouteResult | None
    reason: str


def decide(result: RouteResult | None, *, confidence: float | None, threshold: float, urgency: str) -> Decision:
    """Dispatch automatically, or leave to the dispatcher, with the reason either way."""
    conf = confidence or 0.0
    if result is None:
        return Decision(False, None, "no catalogue rule matches the category and area")
    if urgency == "emergency":
        return Decision(True, result, f"emergency: dispatched at once by {result.reason}")
    if conf >= threshold:
        return Decision(True, result, f"{result.reason}; confidence {conf:.2f} ≥ {threshold:.2f}")
    return Decision(False, result, f"{result.reason}; confidence {conf:.2f} < {threshold:.2f}, needs a dispatcher")


def area_chain(session: Session, case: CaseRow) -> list[str]:
    """The case's area codes, finest first (grid … street, district, city)."""
    codes: list[str] = []
    if case.area_path:
        ids = [int(p) for p in case.area_path.strip("/").split("/") if p]
        found = batch_cached(
            session,
            ("area_codes", case.area_path),
            lambda: dict(session.execute(select(UnitRow.id, UnitRow.area_code).where(UnitRow.id.in_(ids))).all()),
        )
        codes = [str(found[i]) for i in reversed(ids) if found.get(i)]
    for code in (case.street_code, case.district_code):
        if code and code not in codes:
            codes.append(code)
    root = batch_cached(
        session,
        "area_root",
        lambda: session.scalar(select(UnitRow.area_code).where(UnitRow.parent_id.is_(None), UnitRow.kind == "area")),
    )
    if root and root not in codes:
        codes.append(root)
    return codes


def system_actor(session: Session, *, now: datetime) -> Actor:
    """The system's own dispatcher account at the root unit (created, inactive for login, on first use)."""
    cache = batch_cache(session)
    if cache is not None and SYSTEM_USERNAME in cache:
        return cast(Actor, cache[SYSTEM_USERNAME])
    user = session.scalar(select(UserRow).where(UserRow.username == SYSTEM_USERNAME))
    found = user is not None
    if user is None:
        root = session.scalar(select(UnitRow).where(UnitRow.parent_id.is_(None)).order_by(UnitRow.id))
        if root is None:
            raise LookupError("no root unit: build the organisation first")
        user = UserRow(
            username=SYSTEM_USERNAME,
            display_name="系统自动派单",
            role=Role.DISPATCHER.value,
            unit_id=root.id,
            password_hash=None,
            active=False,
            created_at=now,
        )
        session.add(user)
        session.flush()
    unit = session.get(UnitRow, user.unit_id)
    assert unit is not None
    actor = Actor(user_id=user.id, username=user.username, role=Role(user.role), unit_id=unit.id, unit_path=unit.path)
    if cache is not None and found:  # one created here is not cached: its savepoint may still be rolled back
        cache[SYSTEM_USERNAME] = actor
    return actor


class RuleDeadlines:
    """A deadline policy whose reply limit comes from the catalogue rule (other steps from the base policy)."""

    def __init__(self, base: DeadlinePolicy, reply_limit: TimeLimit | None) -> None:
        self.base = base
        self.reply_limit = reply_limit

    def sign_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """As the base policy."""
        return self.base.sign_due(start, request_type=request_type, urgency=urgency)

    def contact_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """As the base policy."""
        return self.base.contact_due(start, request_type=request_type, urgency=urgency)

    def reply_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """The rule's limit for normal cases when the base policy counts working time; else the base policy."""
        if self.reply_limit is not None and urgency != "emergency" and isinstance(self.base, WorkdayDeadlinePolicy):
            return self.base.due(start, self.reply_limit)
        return self.base.reply_due(start, request_type=request_type, urgency=urgency)

    def extend(self, due: datetime, *, work_days: int) -> datetime:
        """As the base policy."""
        return self.base.extend(due, work_days=work_days)


def auto_dispatch(
    session: Session, case: CaseRow, *, deps: ServiceDeps, now: datetime, catalogue: Catalogue | None = None
) -> Decision:
    """Route one received case; dispatch it as the system or store the suggestion on it."""
    cat = catalogue if catalogue is not None else batch_cached(session, "catalogue", lambda: active_catalogue(session))
    result = route(cat.rules, category=case.category, area_codes=area_chain(session, case))
    decision = decide(
        result, confidence=case.category_confidence, threshold=deps.auto_dispatch_threshold, urgency=case.urgency
    )
    case.suggest_catalogue_version = cat.version
    case.suggest_confidence = case.category_confidence
    if result is not None:
        case.suggested_unit = result.rule.lead_unit
        case.suggested_co_units = list(result.rule.co_units)
        case.suggested_area = result.matched_area
    if decision.auto and result is not None:
        rule = result.rule
        step_deps = replace(deps, deadlines=RuleDeadlines(deps.deadlines, rule.reply_limit(case.request_type)))
        request = ActionRequest(
            action="dispatch", unit=rule.lead_unit, co_units=list(rule.co_units), note=decision.reason
        )
        # set before the action, so the case's row is written once with its new status; undone when it fails
        before = case.catalogue_version
        case.catalogue_version = cat.version
        case.dispatch_auto, case.suggest_reason = True, decision.reason
        try:
            perform(session, system_actor(session, now=now), case.id, request, deps=step_deps)
        except (DomainError, LookupError) as exc:
            # a stale rule (unit removed…) must never lose the report: it waits for a dispatcher instead
            case.catalogue_version = before
            decision = Decision(False, result, f"{decision.reason}; automatic dispatch failed: {exc}")
        else:
            return decision
    case.dispatch_auto, case.suggest_reason = False, decision.reason
    if case.urgency == "emergency":
        deps.outbox.enqueue(
            session,
            Notice(
                kind="emergency_unrouted",
                title=f"特急 case {case.number} could not be dispatched automatically; dispatch it by hand",
                body=decision.reason,
                case_number=case.number,
            ),
            now=now,
        )
    return decision


def dispatch_received(session: Session, event: CaseReceived, deps: ServiceDeps) -> None:
    """Subscriber of `CaseReceived` (the receiving actor is recorded on the receive event; the system dispatches)."""
    case = session.get(CaseRow, event.case_id)
    if case is None or case.status != "received":  # merged into a duplicate's parent, or otherwise moved on
        return
    auto_dispatch(session, case, deps=deps, now=event.at)
