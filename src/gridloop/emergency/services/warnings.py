"""Keeping warning messages: one unit of work, committed once."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import func, select

from gridloop.emergency.domain.cap import CapMessage
from gridloop.emergency.tables import WarningMessageRow
from gridloop.kernel.errors import Conflict
from gridloop.platform.db.uow import UnitOfWork


def record_warnings(messages: Iterable[CapMessage], *, uow: Callable[[], UnitOfWork], status: str) -> int:
    """Store the messages; an identifier already stored refuses the whole batch."""
    rows = [
        WarningMessageRow(
            identifier=m.identifier,
            msg_type=m.msg_type,
            status=status,
            sent_at=m.transition.at,
            rule_id=m.transition.rule_id,
            subject=m.transition.subject,
            event=m.transition.event,
            transition=m.transition.kind.value,
            level=m.transition.level,
            previous_level=m.transition.previous_level,
            value=m.transition.value,
            unit=m.transition.unit,
            cap_references=m.references,
            xml=m.xml.decode("utf-8"),
        )
        for m in messages
    ]
    with uow() as work:
        identifiers = [r.identifier for r in rows]
        clash = work.session.scalar(
            select(func.count()).select_from(WarningMessageRow).where(WarningMessageRow.identifier.in_(identifiers))
        )
        if clash:
            raise Conflict(f"{clash} of these warning identifiers are already stored; was this series replayed before?")
        work.session.add_all(rows)
        work.commit()
    return len(rows)
