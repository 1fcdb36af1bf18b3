"""Change stamps: a version number per kind of configuration (city rules, the active model …), bumped in the
transaction that changes it and read cheaply by every process, so a running server picks up an administrator's
change within seconds without a restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from gridloop.platform.db.base import Base
from gridloop.platform.db.types import UTCDateTime


class ChangeStampRow(Base):
    """The version of one kind of configuration."""

    __tablename__ = "change_stamps"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


def bump(session: Session, name: str, *, now: datetime) -> None:
    """Move the stamp `name` on by one, in the caller's transaction."""
    done = session.execute(
        update(ChangeStampRow)
        .where(ChangeStampRow.name == name)
        .values(version=ChangeStampRow.version + 1, changed_at=now)
    )
    if not getattr(done, "rowcount", 0):
        session.add(ChangeStampRow(name=name, version=1, changed_at=now))


def read_stamps(session: Session) -> dict[str, int]:
    """Every stamp's version (one small indexed read)."""
    return {str(n): int(v) for n, v in session.execute(select(ChangeStampRow.name, ChangeStampRow.version))}


class StampWatcher:
    """Says which stamps changed since the last look, looking at most every `every` seconds (a monotonic throttle:
    the read costs one query per process per period, whatever the request rate)."""

    def __init__(
        self,
        read: Callable[[], Mapping[str, int]],
        *,
        every: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._every = every
        self._monotonic = monotonic
        self._next = 0.0
        self._seen: dict[str, int] | None = None

    def due(self) -> bool:
        """Whether the next `changed()` reads the stamps (else it answers at once, from memory)."""
        return self._monotonic() >= self._next

    def changed(self) -> set[str]:
        """Names whose version moved since the previous look (empty on the first look and between looks)."""
        now = self._monotonic()
        if now < self._next:
            return set()
        self._next = now + self._every
        try:
            current = dict(self._read())
        except Exception:
            return set()
        seen, self._seen = self._seen, current
        if seen is None:
            return set()
        return {n for n in current.keys() | seen.keys() if current.get(n) != seen.get(n)}
