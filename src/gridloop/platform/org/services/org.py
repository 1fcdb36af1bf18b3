"""Organisation use cases: units, users, passwords, API tokens, and who the caller is."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import InvalidInput, NotFound, Unauthenticated, ValidationProblems
from gridloop.kernel.org import Actor, Level, Role, UnitKind, unit_path
from gridloop.platform.cache import TtlCache
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.tables import CategoryRow, TokenRow, UnitRow, UserRow

_HASHER = PasswordHasher()
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """An Argon2id hash of a password."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False


def actor_for(user: UserRow) -> Actor:
    """The Actor a user acts as."""
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        unit_path=user.unit.path,
    )


def get_unit(session: Session, code: str) -> UnitRow:
    """A unit by code, or NotFound."""
    unit = session.scalar(select(UnitRow).where(UnitRow.code == code))
    if unit is None:
        raise NotFound(f"No unit with code '{code}'. List units with GET /api/v1/units.")
    return unit


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: UnitKind,
    level: Level,
    now: datetime,
    parent_code: str | None = None,
    handling_level: int | None = None,
    area_code: str | None = None,
    is_demo: bool = False,
) -> UnitRow:
    """Add a unit under its parent; its path is derived from the parent's."""
    problems = ValidationProblems()
    if not code.strip():
        problems.add("code", "must not be empty")
    if not name.strip():
        problems.add("name", "must not be empty")
    if handling_level is not None and handling_level not in (1, 2, 3, 4):
        problems.add("handling_level", "must be 1, 2, 3 or 4")
    if session.scalar(select(UnitRow.id).where(UnitRow.code == code)) is not None:
        problems.add("code", f"unit '{code}' already exists")
    problems.raise_if_any()
    parent = get_unit(session, parent_code) if parent_code else None
    unit = UnitRow(
        code=code,
        name=name,
        kind=kind.value,
        level=level.value,
        handling_level=handling_level,
        parent_id=parent.id if parent else None,
        path="",
        area_code=area_code if area_code is not None else (code if kind is UnitKind.AREA else None),
        is_demo=is_demo,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    unit.path = unit_path(parent.path if parent else None, unit.id)
    return unit


def create_user(
    session: Session,
    *,
    username: str,
    role: Role,
    unit_code: str,
    now: datetime,
    display_name: str | None = None,
    password: str | None = None,
    password_hash: str | None = None,
) -> UserRow:
    """Add a person with one role in one unit (give `password`, or a `password_hash` made by hash_password)."""
    problems = ValidationProblems()
    if not username.strip() or len(username) > 64 or any(ch.isspace() for ch in username):
        problems.add("username", "must be 1–64 characters without spaces")
    if password is not None and len(password) < MIN_PASSWORD:
        problems.add("password", f"must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        problems.add("username", f"user '{username}' already exists")
    problems.raise_if_any()
    unit = get_unit(session, unit_code)
    user = UserRow(
        username=username,
        display_name=display_name or username,
        role=role.value,
        unit_id=unit.id,
        password_hash=password_hash or (hash_password(password) if password else None),
        active=True,
        created_at=now,
    )
    user.unit = unit
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> UserRow:
    """A user by name, or NotFound."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        raise NotFound(f"No user named '{username}'. Add one with `gridloop user add`.")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, username: str, now: datetime, days: int | None = 365, label: str = "") -> str:
    """Issue a bearer token for a user; only its hash is stored, the token is returned once."""
    if days is not None and days <= 0:
        raise InvalidInput("days must be positive", errors=[])
    user = get_user(session, username)
    token = "glp_" + secrets.token_urlsafe(32)
    session.add(
        TokenRow(
            user_id=user.id,
            token_hash=_digest(token),
            label=label,
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
            revoked=False,
        )
    )
    session.flush()
    return token


def authenticate_token(
    session: Session,
    token: str,
    *,
    now: datetime,
    cache: TtlCache[str, object] | None = None,
    actors: TtlCache[int, object] | None = None,
) -> Actor:
    """The actor behind a bearer token, or Unauthenticated; the user (role, active) is read through `actors`."""
    if cache is None:
        return _authenticate_token(session, token, now=now)
    hit = cache.get_or_load(_digest(token), now=now, load=lambda: _token_entry(session, token))
    if not isinstance(hit, tuple):
        raise Unauthenticated("The bearer token is unknown or revoked; create one with `gridloop token create`.")
    user_id, expires_at = hit
    if expires_at is not None and expires_at < now:
        raise Unauthenticated("The bearer token has expired; create a new one with `gridloop token create`.")
    return actor_by_id(session, user_id, now=now, cache=actors)


def _token_entry(session: Session, token: str) -> tuple[int, datetime | None] | None:
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == _digest(token)))
    if row is None or row.revoked:
        return None
    return row.user_id, row.expires_at


def _authenticate_token(session: Session, token: str, *, now: datetime) -> Actor:
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == _digest(token)))
    if row is None or row.revoked:
        raise Unauthenticated("The bearer token is unknown or revoked; create one with `gridloop token create`.")
    if row.expires_at is not None and row.expires_at < now:
        raise Unauthenticated("The bearer token has expired; create a new one with `gridloop token create`.")
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("The token's user is disabled.")
    return actor_for(user)


def authenticate_password(session: Session, *, username: str, password: str) -> Actor:
    """The actor for a username and password, or Unauthenticated (same message for both failures)."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthenticated("Wrong username or password.")
    return actor_for(user)


def change_password(session: Session, *, user_id: int, old: str, new: str) -> None:
    """Replace a user's password after checking the old one."""
    user = session.get(UserRow, user_id)
    if user is None or not verify_password(user.password_hash, old):
        raise InvalidInput("The current password is wrong.", errors=[])
    if len(new) < MIN_PASSWORD:
        raise InvalidInput(f"The new password must have at least {MIN_PASSWORD} characters.", errors=[])
    user.password_hash = hash_password(new)


def ensure_categories(session: Session, rows: list[tuple[str, str, str]]) -> None:
    """Add the (code, zh, en) categories that are missing."""
    existing = set(session.scalars(select(CategoryRow.code)))
    for code, zh, en in rows:
        if code not in existing:
            session.add(CategoryRow(code=code, name_zh=zh, name_en=en, kind="event", active=True))
    session.flush()


def actor_by_id(
    session: Session, user_id: int, *, now: datetime | None = None, cache: TtlCache[int, object] | None = None
) -> Actor:
    """The actor of an active user id, or Unauthenticated; with a cache, read at most every few seconds."""
    if cache is not None and now is not None:
        hit = cache.get_or_load(user_id, now=now, load=lambda: _active_actor(session, user_id))
    else:
        hit = _active_actor(session, user_id)
    if not isinstance(hit, Actor):
        raise Unauthenticated("The user of this session no longer exists or is disabled; log in again.")
    return hit


def _active_actor(session: Session, user_id: int) -> Actor | None:
    user = session.get(UserRow, user_id)
    return actor_for(user) if user is not None and user.active else None


def session_user(session: Session, user_id: int) -> dict[str, Any] | None:
    """Who a console session belongs to, read fresh (role, unit, display name), or None when disabled or gone."""
    user = session.get(UserRow, user_id)
    if user is None or not user.active:
        return None
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit_id": user.unit_id,
        "unit_path": user.unit.path,
    }


def change_own_password(uow: UnitOfWork, actor: Actor, *, old: str, new: str) -> None:
    """Replace the caller's own password (checked against the old one) and commit."""
    change_password(uow.session, user_id=actor.user_id, old=old, new=new)
    uow.commit()


def has_units(session: Session) -> bool:
    """Whether any unit exists (an empty database has none)."""
    return session.scalar(select(UnitRow.id).limit(1)) is not None
