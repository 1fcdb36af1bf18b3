"""Organisation routes: units, users, the caller, categories."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gridloop.kernel.org import Role
from gridloop.org.services import admin
from gridloop.platform.web.deps import ActorDep, DepsDep, UowDep


class UnitIn(BaseModel):
    """A new unit."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    kind: str
    level: str
    parent: str | None = None
    handling_level: int | None = None


class UserIn(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=100)
    role: str
    unit: str
    password: str | None = Field(default=None, max_length=200)


router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/me")
def me(actor: ActorDep) -> dict[str, Any]:
    """Who you are, your role and what it may do."""
    role = Role(actor.role)
    return {
        "username": actor.username,
        "role": role.value,
        "role_label": {"zh": role.zh, "en": role.en},
        "unit_id": actor.unit_id,
    }


@router.get("/units")
def units(uow: UowDep, actor: ActorDep, kind: str | None = None, level: str | None = None) -> dict[str, Any]:
    """All units (optionally of one kind or level)."""
    return {"items": [admin.unit_to_dict(u) for u in admin.list_units(uow, kind=kind, level=level)]}


@router.post("/units", status_code=201)
def add_unit(body: UnitIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Add a unit (administrators)."""
    unit = admin.add_unit(
        uow,
        actor,
        code=body.code,
        name=body.name,
        kind=body.kind,
        level=body.level,
        parent=body.parent,
        handling_level=body.handling_level,
        deps=deps,
    )
    return admin.unit_to_dict(unit)


@router.get("/users")
def users(uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Users of your subtree (administrators)."""
    return {"items": [admin.user_to_dict(u) for u in admin.list_users(uow, actor)]}


@router.post("/users", status_code=201)
def add_user(body: UserIn, uow: UowDep, actor: ActorDep, deps: DepsDep) -> dict[str, Any]:
    """Add a user (administrators)."""
    user = admin.add_user(
        uow,
        actor,
        username=body.username,
        role=body.role,
        unit=body.unit,
        display_name=body.display_name,
        password=body.password,
        deps=deps,
    )
    return admin.user_to_dict(user)


@router.get("/categories")
def categories(uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Active case categories."""
    return {
        "items": [
            {"code": c.code, "zh": c.name_zh, "en": c.name_en, "kind": c.kind} for c in admin.list_categories(uow)
        ]
    }
