"""Administration use cases (units, users) with permission checks; each commits its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridloop.kernel.errors import Forbidden, InvalidInput, ValidationProblems
from gridloop.kernel.org import Actor, Level, Permission, Role, UnitKind, is_within
from gridloop.platform.cache import REFERENCE_STAMP, USERS_STAMP
from gridloop.platform.db.stamps import bump
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services import org, sessions
from gridloop.platform.org.tables import CategoryRow, UnitRow, UserRow


def _require_admin(actor: Actor) -> None:
    if not actor.can(Permission.MANAGE_ORG):
        raise Forbidden(f"Role '{actor.role.value}' may not manage the organisation; ask an administrator.")


def unit_to_dict(unit: UnitRow) -> dict[str, Any]:
    """A unit as clients see it."""
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "level": unit.level,
        "handling_level": unit.handling_level,
        "parent_id": unit.parent_id,
        "area_code": unit.area_code,
        "demo": unit.is_demo,
    }


def user_to_dict(user: UserRow) -> dict[str, Any]:
    """A user as clients see it (never the password hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.code,
        "active": user.active,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


def add_unit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    level: str,
    parent: str | None,
    handling_level: int | None,
    deps: ServiceDeps,
) -> UnitRow:
    """Add a unit (administrators; the parent must be within the administrator's subtree)."""
    _require_admin(actor)
    problems = ValidationProblems()
    try:
        kind_v = UnitKind.parse(kind)
    except ValueError as exc:
        problems.add("kind", str(exc))
    try:
        level_v = Level.parse(level)
    except ValueError as exc:
        problems.add("level", str(exc))
    problems.raise_if_any()
    if parent:
        parent_row = org.get_unit(uow.session, parent)
        if not is_within(parent_row.path, actor.unit_path):
            raise Forbidden(f"Unit '{parent}' is outside your part of the organisation.")
    elif actor.unit_path.count("/") != 2:
        raise InvalidInput("A parent unit is required.", errors=[])
    unit = org.create_unit(
        uow.session,
        code=code,
        name=name,
        kind=kind_v,
        level=level_v,
        parent_code=parent,
        handling_level=handling_level,
        now=deps.clock.now(),
    )
    bump(uow.session, REFERENCE_STAMP, now=deps.clock.now())  # every process forgets "no such area" at once
    uow.commit()
    deps.cache.forget_reference()
    return unit


def add_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    username: str,
    role: str,
    unit: str,
    display_name: str | None,
    password: str | None,
    deps: ServiceDeps,
) -> UserRow:
    """Add a user to a unit within the administrator's subtree."""
    _require_admin(actor)
    try:
        role_v = Role.parse(role)
    except ValueError as exc:
        raise InvalidInput("Bad role.", errors=[org_field("role", str(exc))]) from None
    unit_row = org.get_unit(uow.session, unit)
    if not is_within(unit_row.path, actor.unit_path):
        raise Forbidden(f"Unit '{unit}' is outside your part of the organisation.")
    user = org.create_user(
        uow.session,
        username=username,
        role=role_v,
        unit_code=unit,
        now=deps.clock.now(),
        display_name=display_name,
        password=password,
    )
    uow.commit()
    return user


def org_field(name: str, message: str) -> Any:
    """A field error (helper)."""
    from gridloop.kernel.errors import FieldError

    return FieldError(name, message)


def list_units(uow: UnitOfWork, *, kind: str | None = None, level: str | None = None) -> list[UnitRow]:
    """Units, optionally filtered (unit names are not secret)."""
    stmt = select(UnitRow).order_by(UnitRow.path)
    if kind:
        stmt = stmt.where(UnitRow.kind == kind)
    if level:
        stmt = stmt.where(UnitRow.level == level)
    return list(uow.session.scalars(stmt).all())


def list_users(uow: UnitOfWork, actor: Actor) -> list[UserRow]:
    """Users in the administrator's subtree."""
    _require_admin(actor)
    stmt = (
        select(UserRow)
        .join(UnitRow, UserRow.unit_id == UnitRow.id)
        .where(UnitRow.path.startswith(actor.unit_path, autoescape=True))
    )
    return list(uow.session.scalars(stmt.order_by(UserRow.username)).all())


def list_categories(uow: UnitOfWork) -> list[CategoryRow]:
    """Active categories."""
    return list(uow.session.scalars(select(CategoryRow).where(CategoryRow.active).order_by(CategoryRow.code)))


def change_user(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    username: str,
    deps: ServiceDeps,
    active: bool | None = None,
    role: str | None = None,
    unlock: bool = False,
) -> UserRow:
    """Disable/enable a user, change their role or lift their login lockout; a disabling or role change ends
    their console sessions at once and drops the cached user everywhere in this process. `actor` None is the
    command line (the operator of the server)."""
    if actor is not None:
        _require_admin(actor)
    user = org.get_user(uow.session, username)
    if actor is not None and not is_within(user.unit.path, actor.unit_path):
        raise Forbidden(f"User '{username}' is outside your part of the organisation.")
    ends_sessions = False
    if actor is not None and user.id == actor.user_id and (role is not None or active is False):
        raise InvalidInput("You cannot change your own role or disable yourself.", errors=[])
    if role is not None:
        try:
            new_role = Role.parse(role)
        except ValueError as exc:
            raise InvalidInput("Bad role.", errors=[org_field("role", str(exc))]) from None
        ends_sessions |= new_role.value != user.role
        user.role = new_role.value
    if active is not None:
        ends_sessions |= not active
        user.active = active
    if unlock:
        from gridloop.platform.org.services import access

        access.unlock(uow.session, user, now=deps.clock.now(), by=actor.username if actor else "cli")
    if ends_sessions:
        sessions.revoke_user(uow.session, user.id)
    bump(uow.session, USERS_STAMP, now=deps.clock.now())  # other processes drop their cached users too
    uow.commit()
    deps.cache.forget_users()
    return user
