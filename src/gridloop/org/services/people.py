"""People and tokens as use cases that commit (for the CLI; the API's versions with permission checks are in
`admin`)."""

from __future__ import annotations

from datetime import datetime

from gridloop.kernel.org import Role
from gridloop.org.services import org
from gridloop.platform.db.uow import UnitOfWork


def register_user(
    uow: UnitOfWork,
    *,
    username: str,
    role: Role,
    unit_code: str,
    now: datetime,
    display_name: str | None = None,
    password: str | None = None,
) -> None:
    """Add a person with one role in one unit and commit."""
    org.create_user(
        uow.session,
        username=username,
        role=role,
        unit_code=unit_code,
        now=now,
        display_name=display_name,
        password=password,
    )
    uow.commit()


def issue_token(uow: UnitOfWork, *, username: str, now: datetime, days: int = 365) -> str:
    """A new bearer token for a user (only its digest is stored), committed; returned once."""
    token = org.create_token(uow.session, username=username, now=now, days=days)
    uow.commit()
    return token
