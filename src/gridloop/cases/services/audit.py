"""The tamper-evident audit trail: every case event is chained by hash to the one before it, globally and per case.

Chaining happens as events are written (a mapper hook for events added as objects, an execute hook for bulk
inserts), so no service has to remember it; `verify` walks the chain and names the first broken link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Result, Table, bindparam, event, insert, inspect, select, update
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from gridloop.cases.domain.audit import GENESIS, event_hash
from gridloop.cases.tables import AuditHeadRow, CaseEventRow, CaseRow
from gridloop.kernel.ports import Notice, Notifier

GLOBAL = 0
_heads: Table = AuditHeadRow.__table__  # type: ignore[assignment]


@cache
def _set_head_statement() -> Any:
    return (
        update(_heads)
        .where(_heads.c.case_id == bindparam("cid"))
        .values(last_hash=bindparam("h"), events=_heads.c.events + bindparam("n"))
    )


@cache
def _lock_statement() -> Any:
    return update(_heads).where(_heads.c.case_id == GLOBAL).values(events=_heads.c.events).returning(_heads.c.last_hash)


@cache
def _insert_heads_statement() -> Any:
    return insert(_heads)


def _lock(conn: Connection) -> str:
    """Take the chain's write lock for the rest of the transaction (one writer appends at a time) and return the
    global head, in one statement."""
    value = conn.execute(_lock_statement()).scalar()
    if value is None:
        conn.execute(insert(_heads).values(case_id=GLOBAL, last_hash=GENESIS, events=0))
        return GENESIS
    return str(value)


def _heads_of(conn: Connection, case_ids: list[int]) -> dict[int, str]:
    """The chain heads of these cases that have one (in chunks: one query per 500 cases)."""
    found: dict[int, str] = {}
    for i in range(0, len(case_ids), 500):
        chunk = case_ids[i : i + 500]
        found.update(
            (int(cid), str(h))
            for cid, h in conn.execute(select(_heads.c.case_id, _heads.c.last_hash).where(_heads.c.case_id.in_(chunk)))
        )
    return found


#: `Connection.info` key of the chain as the current transaction left it (`keep_chain`).
_KEPT = "gridloop.audit.kept_chain"


@dataclass
class _Kept:
    """The global head and the case heads this transaction read or wrote; valid for its root transaction only."""

    transaction: object
    last: str | None = None  # None: the global head is not locked and read yet
    heads: dict[int, str | None] = field(default_factory=dict)  # None: the case has no head row


def keep_chain(session: Session, case_ids: Iterable[int] = ()) -> None:
    """Keep the chain's heads in memory for the rest of this transaction (a triage worker's batch): the global
    head is locked and read once, each case's head once (`case_ids` now, in one query), so an event costs its
    INSERT and one write of the heads. Any rollback, also of a savepoint, drops what was kept (the events it
    undid moved the heads); the next event reads the database again."""
    conn = session.connection()
    kept = _Kept(conn.get_transaction())
    ids = [int(i) for i in case_ids]
    if ids:
        found = _heads_of(conn, ids)
        kept.heads.update({cid: found.get(cid) for cid in ids})
    conn.info[_KEPT] = kept


def _kept(conn: Connection) -> _Kept | None:
    kept = conn.info.get(_KEPT)
    if kept is None:
        return None
    transaction = conn.get_transaction()
    if kept.transaction is not transaction or transaction is None or not transaction.is_active:
        conn.info.pop(_KEPT, None)
        return None
    return kept  # type: ignore[no-any-return]


def _forget(conn: Connection, *_args: object) -> None:
    conn.info.pop(_KEPT, None)


def _known_heads(conn: Connection, ids: list[int], kept: _Kept | None) -> dict[int, str]:
    if kept is None:
        return _heads_of(conn, ids)
    missing = [cid for cid in ids if cid not in kept.heads]
    if missing:
        found = _heads_of(conn, missing)
        kept.heads.update({cid: found.get(cid) for cid in missing})
    return {cid: h for cid in ids if (h := kept.heads[cid]) is not None}


def chain(conn: Connection, events: Iterable[MutableMapping[str, Any]], *, new_cases: bool = False) -> None:
    """Fill prev_hash, case_prev_hash and hash of new events (in order) and move the heads.

    The heads of all the cases involved are read in one query and written back in two batches (existing heads
    updated with the global head, new ones inserted), so a bulk insert of many cases' events costs a few
    statements, not three each (fewer in a transaction that keeps the chain: `keep_chain`).
    `new_cases`: the events are the first of cases created in this transaction (no head to read).
    """
    events = list(events)
    kept = _kept(conn)
    last = kept.last if kept is not None and kept.last is not None else _lock(conn)
    ids = list(dict.fromkeys(int(ev["case_id"]) for ev in events))
    known = {} if new_cases else _known_heads(conn, ids, kept)
    per_case: dict[int, str] = {cid: known.get(cid, GENESIS) for cid in ids}
    counts: dict[int, int] = {}
    for ev in events:
        case_id = int(ev["case_id"])
        ev["payload"] = ev.get("payload") or {}
        ev["note"] = ev.get("note")
        ev["prev_hash"], ev["case_prev_hash"] = last, per_case[case_id]
        last = per_case[case_id] = ev["hash"] = event_hash(ev, prev_hash=last, case_prev_hash=per_case[case_id])
        counts[case_id] = counts.get(case_id, 0) + 1
    updates = [{"cid": cid, "h": per_case[cid], "n": counts[cid]} for cid in ids if cid in known]
    inserts = [{"case_id": cid, "last_hash": per_case[cid], "events": counts[cid]} for cid in ids if cid not in known]
    if inserts:
        conn.execute(_insert_heads_statement(), inserts)
    # the global head's row exists: `_lock` made it, or read it earlier in this transaction
    conn.execute(_set_head_statement(), [*updates, {"cid": GLOBAL, "h": last, "n": sum(counts.values())}])
    if kept is not None:
        kept.last = last
        kept.heads.update((cid, per_case[cid]) for cid in ids)


class _RowView(dict[str, Any]):
    """An event object seen as the mapping `chain` fills, written back to the object afterwards."""


def _before_insert(_mapper: Mapper[Any], conn: Connection, target: CaseEventRow) -> None:
    view = _RowView({name: getattr(target, name) for name in ("case_id", "at", "actor_id", "actor_name")})
    view.update(
        actor_role=target.actor_role,
        action=target.action,
        from_status=target.from_status,
        to_status=target.to_status,
        note=target.note,
        payload=target.payload,
    )
    chain(conn, [view])
    target.payload = view["payload"]
    target.prev_hash, target.case_prev_hash, target.hash = view["prev_hash"], view["case_prev_hash"], view["hash"]


def _on_execute(state: ORMExecuteState) -> Result[Any] | None:
    statement = state.statement
    if not state.is_insert or getattr(getattr(statement, "table", None), "name", None) != CaseEventRow.__tablename__:
        return None
    params = state.parameters
    listed: list[Any] = list(params) if isinstance(params, list) else [params] if isinstance(params, dict) else []
    rows = [dict(p) for p in listed]
    if not rows:
        return None
    chain(state.session.connection(), rows)
    return state.invoke_statement(params=rows)


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    """A case's status changes only together with an event about that case."""
    changed = {
        obj.id for obj in session.dirty if isinstance(obj, CaseRow) and inspect(obj).attrs.status.history.has_changes()
    }
    if not changed:
        return
    with_event = {obj.case_id for obj in session.new if isinstance(obj, CaseEventRow)}
    missing = changed - with_event
    if missing:
        raise RuntimeError(f"case status changed without an audit event (cases {sorted(missing)})")


def install() -> None:
    """Hook the chain into every session of the process (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(CaseEventRow, "before_insert", _before_insert):
        event.listen(CaseEventRow, "before_insert", _before_insert)
    if not event.contains(Session, "do_orm_execute", _on_execute):
        event.listen(Session, "do_orm_execute", _on_execute)
    for name in ("commit", "rollback", "rollback_savepoint"):  # a kept chain ends with its transaction or any rollback
        if not event.contains(Engine, name, _forget):
            event.listen(Engine, name, _forget)


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: how many events it checked and the first broken link, if any."""

    events: int
    broken_at: int | None = None
    case_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole chain holds."""
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        """For JSON output."""
        return {"ok": self.ok, "events": self.events, "broken_at": self.broken_at, "case_id": self.case_id,
                "problem": self.problem}  # fmt: skip


def _as_mapping(row: CaseEventRow) -> Mapping[str, Any]:
    return {
        "case_id": row.case_id,
        "at": row.at,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "actor_role": row.actor_role,
        "action": row.action,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "note": row.note,
        "payload": row.payload,
    }


def verify(session: Session, *, batch: int = 2000) -> Verdict:
    """Walk every event in order: each hash must match its content, each link the event before it (globally and
    per case), the heads the newest events, and every case's status its newest event's."""
    last = GENESIS
    per_case: dict[int, str] = {}
    status: dict[int, str] = {}
    checked = 0
    after = 0
    while True:
        rows = session.scalars(
            select(CaseEventRow).where(CaseEventRow.id > after).order_by(CaseEventRow.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            checked += 1
            case_prev = per_case.get(row.case_id, GENESIS)
            if row.prev_hash != last or row.case_prev_hash != case_prev:
                return Verdict(checked, row.id, row.case_id, "link to the previous event broken (event removed?)")
            if row.hash != event_hash(_as_mapping(row), prev_hash=last, case_prev_hash=case_prev):
                return Verdict(checked, row.id, row.case_id, "content does not match its hash (event edited)")
            last = per_case[row.case_id] = row.hash
            status[row.case_id] = row.to_status
        after = rows[-1].id
        session.expunge_all()
    heads = dict(session.execute(select(AuditHeadRow.case_id, AuditHeadRow.last_hash)).tuples().all())
    if heads.get(GLOBAL, GENESIS) != last:
        return Verdict(checked, None, None, "the newest events are missing (chain head does not match)")
    for case_id, value in per_case.items():
        if heads.get(case_id) != value:
            return Verdict(checked, None, case_id, "the case's newest events are missing (head does not match)")
    for case_id, current in session.execute(select(CaseRow.id, CaseRow.status)).tuples():
        if status.get(case_id) != current:
            return Verdict(checked, None, case_id, f"status '{current}' was set without an event")
    return Verdict(checked)


def check_and_notify(uow_factory: Callable[[], AbstractContextManager[Any]], *, notifier: Notifier) -> Verdict:
    """Verify the chain (part of the periodic supervision job) and send a notice when it is broken."""
    with uow_factory() as uow:
        verdict = verify(uow.session)
    if not verdict.ok:
        notifier.notify(
            Notice(
                kind="audit",
                title=f"审计链断裂 audit chain broken at event {verdict.broken_at}",
                body=verdict.problem or "",
                payload=verdict.as_dict(),
            )
        )
    return verdict


def check_and_enqueue(uow_factory: Callable[[], AbstractContextManager[Any]], *, outbox: Any, now: Any) -> Verdict:
    """The periodic check of `serve`'s supervision job: a broken chain is written to the outbox (its own short
    transaction) and delivered after commit like every other notice. Commits."""

    class _ToOutbox:
        def notify(self, notice: Notice) -> None:
            with uow_factory() as uow:
                outbox.enqueue(uow.session, notice, now=now)
                uow.commit()

    return check_and_notify(uow_factory, notifier=_ToOutbox())
