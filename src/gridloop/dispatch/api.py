"""Dispatch catalogue routes: list, add, edit, delete rules; import/export CSV; versions; calendar overrides."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from gridloop.dispatch.domain.routing import Principle, Rule
from gridloop.dispatch.services import catalogue as svc
from gridloop.kernel.errors import Forbidden, InvalidInput
from gridloop.kernel.org import Actor, Permission
from gridloop.kernel.sla import TimeLimit
from gridloop.platform.web.deps import ActorDep, DepsDep, SessionDep, UowDep

router = APIRouter(prefix="/api/v1", tags=["dispatch catalogue"])


class RuleIn(BaseModel):
    """A routing rule as sent by a client."""

    category: str = Field(min_length=1, max_length=64)
    subcategory: str | None = Field(default=None, max_length=64)
    area_code: str = Field(min_length=1, max_length=20)
    lead_unit: str = Field(min_length=1, max_length=32)
    co_units: list[str] = Field(default_factory=list)
    limits: dict[str, str] = Field(description="Reply time limit per request type, e.g. {'complaint': '5wd'}.")
    principle: str = "locality_first"
    note: str = ""

    def to_rule(self) -> Rule:
        """The domain value (InvalidInput for a bad limit or principle)."""
        try:
            limits = {k: TimeLimit.parse(v) for k, v in self.limits.items()}
            principle = Principle.parse(self.principle)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        return Rule(
            category=self.category,
            subcategory=self.subcategory or None,
            area_code=self.area_code,
            lead_unit=self.lead_unit,
            co_units=tuple(self.co_units),
            limits=limits,
            principle=principle,
            note=self.note,
        )


class OverrideIn(BaseModel):
    """A calendar override: a local holiday, a typhoon day or an extra working day."""

    is_workday: bool
    reason: str = Field(min_length=1, max_length=200)


def _require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(f"Role '{actor.role.value}' may not {permission.en.lower()}.")


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as JSON."""
    return {
        "id": rule.id,
        "category": rule.category,
        "subcategory": rule.subcategory,
        "area_code": rule.area_code,
        "lead_unit": rule.lead_unit,
        "co_units": list(rule.co_units),
        "principle": rule.principle.value,
        "limits": {k: str(v) for k, v in rule.limits.items()},
        "note": rule.note,
    }


def _version(v: Any) -> dict[str, Any]:
    return {
        "version": v.id,
        "created_at": v.created_at.isoformat(),
        "created_by": v.created_by,
        "source": v.source,
        "note": v.note,
        "changes": v.changes,
        "rule_count": v.rule_count,
    }


@router.get("/catalogue/rules")
def list_rules(session: SessionDep, actor: ActorDep, category: str | None = None) -> dict[str, Any]:
    """The active catalogue's rules (optionally of one category)."""
    cat = svc.active_catalogue(session)
    rules = [r for r in cat.rules if category is None or r.category == category]
    return {"version": cat.version, "items": [rule_to_dict(r) for r in rules]}


@router.post("/catalogue/rules", status_code=201)
def add_rule(body: RuleIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Add a rule: a new catalogue version (dispatchers and administrators)."""
    _require(actor, Permission.MANAGE_CATALOGUE)
    return _version(svc.add_rule(uow, body.to_rule(), by=actor.username, now=deps.clock.now()))


@router.put("/catalogue/rules/{rule_id}")
def edit_rule(rule_id: int, body: RuleIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Replace a rule of the active version: a new catalogue version."""
    _require(actor, Permission.MANAGE_CATALOGUE)
    return _version(svc.update_rule(uow, rule_id, body.to_rule(), by=actor.username, now=deps.clock.now()))


@router.delete("/catalogue/rules/{rule_id}")
def delete_rule(rule_id: int, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Remove a rule: a new catalogue version."""
    _require(actor, Permission.MANAGE_CATALOGUE)
    return _version(svc.delete_rule(uow, rule_id, by=actor.username, now=deps.clock.now()))


@router.get("/catalogue/versions")
def versions(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The latest versions: who changed what, when."""
    return {"items": [_version(v) for v in svc.history(session)]}


@router.get("/catalogue/export", response_class=Response)
def export(session: SessionDep, actor: ActorDep) -> Response:
    """The active catalogue as CSV."""
    return Response(svc.export_catalogue(session), media_type="text/csv; charset=utf-8")


@router.post("/catalogue/import", status_code=201)
def import_csv(
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    data: Annotated[bytes, Body(media_type="text/csv")],
    note: str = "",
) -> dict[str, Any]:
    """Replace the catalogue with a CSV body, all or nothing (422 lists every problem by line)."""
    _require(actor, Permission.MANAGE_CATALOGUE)
    return _version(svc.import_catalogue(uow, data, by=actor.username, now=deps.clock.now(), note=note))


@router.get("/calendar/overrides")
def overrides(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Administrator's exceptions to the official calendar."""
    from gridloop.dispatch.services.calendar import overrides as load_overrides

    return {"items": [{"day": d.isoformat(), "is_workday": w} for d, w in sorted(load_overrides(session).items())]}


@router.put("/calendar/overrides/{day}")
def set_override(day: date, body: OverrideIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Declare a day a working day or not (a typhoon day, a local holiday); administrators only."""
    from gridloop.dispatch.services.calendar import declare_day

    _require(actor, Permission.MANAGE_ORG)
    row = declare_day(
        uow, day=day, is_workday=body.is_workday, reason=body.reason, by=actor.username, now=deps.clock.now()
    )
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "reason": row.reason}
