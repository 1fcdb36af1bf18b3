"""Who acts in a drill: the injector (导调) that feeds injects, and the scripted responder's stand-ins per role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.org import Actor, Role
from gridloop.platform.org.services.org import actor_for
from gridloop.platform.org.tables import UnitRow, UserRow

#: The account injects arrive under (it does not score: what it does is the scenario, not a participant).
INJECTOR = "drill-injector"
#: Prefix of the scripted responder's accounts, one per console role (`drill-auto-dispatcher` …).
AUTO_PREFIX = "drill-auto-"


def _account(session: Session, username: str, role: Role, display: str, *, now: datetime) -> Actor:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        root = session.scalar(select(UnitRow).where(UnitRow.parent_id.is_(None)).order_by(UnitRow.id))
        if root is None:
            raise LookupError("no root unit: build the organisation first")
        user = UserRow(username=username, display_name=display, role=role.value, unit_id=root.id,
                       password_hash=None, active=False, created_at=now)  # fmt: skip
        session.add(user)
        session.flush()
    return actor_for(user)


def injector(session: Session, *, now: datetime) -> Actor:
    """The drill's own operator account at the root unit (inactive for login), made on first use."""
    return _account(session, INJECTOR, Role.OPERATOR, "演练导调", now=now)


def auto_actor(session: Session, console_role: str, *, now: datetime) -> Actor:
    """The scripted responder's account for a console role, at the root unit, made on first use."""
    role = Role(console_role)
    return _account(session, f"{AUTO_PREFIX}{role.value}", role, f"演练自动响应（{role.zh}）", now=now)


def usernames_by_role(session: Session) -> dict[str, list[str]]:
    """Active people per console role, to offer as participants."""
    out: dict[str, list[str]] = {}
    rows = session.execute(select(UserRow.username, UserRow.role).where(UserRow.active).order_by(UserRow.username))
    for name, role in rows:
        out.setdefault(str(role), []).append(str(name))
    return out
