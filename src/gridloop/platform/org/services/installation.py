"""Facts stored with the installation: its random secret key and the demo marker written by `gridloop demo`."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.org.tables import InstallationRow

#: The built-in key: acceptable only on the demo database.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105
SECRET_KEY = "secret_key"  # noqa: S105
DEMO = "demo"


def get(session: Session, key: str) -> str | None:
    """A stored fact, or None (also when the table does not exist yet)."""
    try:
        return session.scalar(select(InstallationRow.value).where(InstallationRow.key == key))
    except SQLAlchemyError:
        session.rollback()
        return None


def ensure_secret_key(uow: UnitOfWork) -> bool:
    """Store a random secret key unless one exists; True when one was made. Commits."""
    if get(uow.session, SECRET_KEY):
        return False
    uow.session.add(InstallationRow(key=SECRET_KEY, value=secrets.token_urlsafe(48)))
    uow.commit()
    return True


def mark_demo(uow: UnitOfWork) -> None:
    """Record that this database is the demo city (the default key is then tolerated). Commits."""
    if get(uow.session, DEMO) is None:
        uow.session.add(InstallationRow(key=DEMO, value="1"))
        uow.commit()


def is_demo(session: Session) -> bool:
    """Whether `gridloop demo` built this database."""
    return get(session, DEMO) == "1"


def effective_secret_key(session: Session, configured: str) -> str:
    """The key to use: GRIDLOOP_SECRET_KEY when set to something else than the default, else the stored one."""
    if configured and configured != DEFAULT_SECRET_KEY:
        return configured
    return get(session, SECRET_KEY) or configured
