"""The unit of work: one session, committed once by the service that opened it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridloop.platform.db.engine import session_factory


class UnitOfWork:
    """A transaction boundary; services call `commit()`, anything else rolls back on exit."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit the work done so far."""
        self.session.commit()

    def rollback(self) -> None:
        """Drop the work done so far."""
        self.session.rollback()


class UnitOfWorkFactory:
    """Makes units of work bound to one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = session_factory(engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._factory)
