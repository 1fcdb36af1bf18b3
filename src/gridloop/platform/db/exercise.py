"""Exercise (演练) isolation at the session level: which drill run a transaction works for.

A drill run is a namespace. Rows created in it carry its id in a nullable `exercise_run_id` column; the drill
service marks its own sessions with `enter_exercise(session, run_id)` so that the capabilities' services stamp
what they create (`exercise_run_of(session)`). Every mapped object with a non-null `exercise_run_id` that a
session loads is remembered (`exercise_marks`), so a notice about an exercise case enqueued by a participant in
the normal console is recognised too. The outbox routes every exercise notice to the drill sink only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

#: `Session.info` key: the drill run this transaction works for (set by the drill service only).
EXERCISE_RUN = "exercise_run_id"
#: `Session.info` key: case numbers (and `table:id` keys) of exercise rows this session loaded or created.
EXERCISE_MARKS = "exercise_marks"
#: Payload key a notice may carry to say it belongs to a drill run.
PAYLOAD_KEY = "exercise_run_id"


def enter_exercise(session: Session, run_id: int) -> None:
    """Mark the session as working for drill run `run_id` (everything it creates is exercise data)."""
    session.info[EXERCISE_RUN] = int(run_id)


def exercise_run_of(session: Session) -> int | None:
    """The drill run the session works for, or None for real work."""
    value = session.info.get(EXERCISE_RUN)
    return int(value) if value is not None else None


def _remember(session: Session | None, obj: Any) -> None:
    if session is None:
        return
    loaded = getattr(obj, "__dict__", {})  # only what is loaded: never trigger a load of a deferred column
    run_id = loaded.get("exercise_run_id")
    if run_id is None:
        return
    marks: dict[str, int] = session.info.setdefault(EXERCISE_MARKS, {})
    number = loaded.get("number") or loaded.get("case_number")
    if number:
        marks[str(number)] = int(run_id)


def remember_exercise_row(session: Session, obj: Any) -> None:
    """Remember an exercise row a session created without a flush (a Core insert attached as loaded)."""
    _remember(session, obj)


def is_exercise_notice(session: Session, *, case_number: str | None, payload: dict[str, Any]) -> bool:
    """Whether a notice enqueued in this session belongs to a drill run (then it goes to the drill sink only)."""
    if exercise_run_of(session) is not None or payload.get(PAYLOAD_KEY) is not None:
        return True
    marks: dict[str, int] = session.info.get(EXERCISE_MARKS, {})
    return case_number is not None and case_number in marks


def on_load(target: Any, context: Any) -> None:
    """`load` listener: remember an exercise row a session loads."""
    _remember(getattr(context, "session", None), target)


def on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """`before_flush` listener: remember the exercise rows a session creates (loaded ones are seen by on_load)."""
    for obj in session.new:
        _remember(session, obj)


def install(base: type[Any]) -> None:
    """Listen to loads and flushes of every mapped class on `base` (called once, when a session factory is made)."""
    if not event.contains(base, "load", on_load):
        event.listen(base, "load", on_load, propagate=True)
    if not event.contains(Session, "before_flush", on_flush):
        event.listen(Session, "before_flush", on_flush)
