"""Engine construction: SQLite with WAL, foreign keys and a busy timeout; PostgreSQL as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def build_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; creates the SQLite file's folder and sets its pragmas on every connection."""
    parsed = make_url(url)
    # hide_parameters: an error's text (logged with its traceback) never carries case text or phone numbers
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        # one connection per server thread (AnyIO's pool has 40): waiting writers must not starve the pool
        kwargs.update(pool_size=8, max_overflow=48, pool_timeout=60)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            # unit paths hold digits and slashes only: case-sensitive LIKE lets 'path LIKE p%' use the index
            cur.execute("PRAGMA case_sensitive_like=ON")
            cur.close()

        return engine
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit; runs `info["after_commit"]` callbacks."""
    from gridloop.platform.db import exercise
    from gridloop.platform.db.base import Base

    factory = sessionmaker(bind=engine, expire_on_commit=False, future=True)
    event.listen(factory, "after_commit", _run_after_commit)
    exercise.install(Base)  # exercise rows loaded or created are remembered (drill isolation)
    return factory


def _run_after_commit(session: Session) -> None:
    """Run what asked to happen once this transaction is committed (wake the outbox dispatcher …).

    After a rollback the callbacks stay until the next commit: waking a dispatcher for nothing is harmless.
    """
    for callback in session.info.pop("after_commit", ()):
        callback()
