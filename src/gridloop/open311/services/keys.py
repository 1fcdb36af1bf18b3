"""API keys: created by administrators (only a digest is stored), checked and throttled on every POST."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.open311.domain import Open311Error
from gridloop.open311.tables import Open311KeyRow, Open311RequestRow
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.services import admin, org


def digest(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    uow: UnitOfWork,
    *,
    name: str,
    now: datetime,
    username: str | None = None,
    per_minute: int = 30,
    webhook_url: str | None = None,
) -> str:
    """A new key (returned once); submits as `username`, or as a new grid-worker account `open311-NAME` at the city."""
    return issue_key(uow, name=name, now=now, username=username, per_minute=per_minute, webhook_url=webhook_url)[0]


def issue_key(
    uow: UnitOfWork,
    *,
    name: str,
    now: datetime,
    username: str | None = None,
    per_minute: int = 30,
    webhook_url: str | None = None,
) -> tuple[str, str | None]:
    """(key, webhook signing secret or None), both shown once; the key's account is made as in `create_key`."""
    session = uow.session
    if session.scalar(select(Open311KeyRow).where(Open311KeyRow.name == name)) is not None:
        raise Conflict(f"An Open311 key named '{name}' already exists.")
    if username is None:
        username = f"open311-{name}"
        city = admin.list_units(uow, level="city")
        if not city:
            raise NotFound("No city unit yet: build the organisation first.")
        org.create_user(session, username=username, role=Role.GRID_WORKER, unit_code=city[0].code, now=now,
                        display_name=f"Open311: {name}")  # fmt: skip
    else:
        org.get_user(session, username)
    key = secrets.token_urlsafe(24)
    secret = secrets.token_hex(32) if webhook_url else None
    session.add(Open311KeyRow(name=name, key_hash=digest(key), username=username, per_minute=per_minute,
                              webhook_url=webhook_url, webhook_secret=secret, created_at=now))  # fmt: skip
    uow.commit()
    return key, secret


def revoke_key(uow: UnitOfWork, *, name: str, now: datetime) -> None:
    """Revoke a key by name (requests it made stay)."""
    row = uow.session.scalar(select(Open311KeyRow).where(Open311KeyRow.name == name))
    if row is None:
        raise NotFound(f"No Open311 key named '{name}'.")
    row.revoked_at = now
    uow.commit()


def list_keys(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every key (never the key itself)."""
    rows = uow.session.scalars(select(Open311KeyRow).order_by(Open311KeyRow.name))
    return [{"name": r.name, "username": r.username, "per_minute": r.per_minute, "webhook_url": r.webhook_url,
             "created_at": r.created_at.isoformat(), "revoked": r.revoked_at is not None} for r in rows]  # fmt: skip


def authorise(session: Session, api_key: str | None, *, now: datetime) -> tuple[Open311KeyRow, Actor]:
    """The key and the account it submits as; 403 when missing, unknown or revoked; 429 when over its throttle."""
    if not api_key:
        raise Open311Error(403, (403, "api_key is required to create a request."))
    row = session.scalar(select(Open311KeyRow).where(Open311KeyRow.key_hash == digest(api_key)))
    if row is None or row.revoked_at is not None:
        raise Open311Error(403, (403, "Invalid api_key received -- can't proceed with create_request."))
    recent = session.scalar(
        select(func.count())
        .select_from(Open311RequestRow)
        .where(Open311RequestRow.key_id == row.id, Open311RequestRow.created_at > now - timedelta(minutes=1))
    )
    if (recent or 0) >= row.per_minute:
        raise Open311Error(429, (429, f"Too many requests: this key may create {row.per_minute} per minute."))
    return row, org.actor_for(org.get_user(session, row.username))
