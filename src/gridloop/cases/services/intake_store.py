"""Storing new cases with Core statements built once: numbers for a batch in one upsert, the cases in one
INSERT … RETURNING, rows attached to the session as if loaded (no unit-of-work flush, no read back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from gridloop.cases.tables import CaseCounterRow, CaseRow
from gridloop.platform.db.exercise import remember_exercise_row


@cache
def insert_statement(table: type[Any]) -> Any:
    """An INSERT of whole rows of a mapped class's table (built once; the rows are passed as parameters)."""
    return insert(table.__table__)


def next_case_numbers(session: Session, count: int, *, now: datetime, prefix: str, tz: tzinfo) -> list[str]:
    """The next `count` numbers of the day (in the configured zone), e.g. SH2026112600001; one atomic upsert on
    SQLite and PostgreSQL."""
    day = now.astimezone(tz).strftime("%Y%m%d")
    stmt = _counter_statement(session.get_bind().dialect.name)
    last = int(session.connection().execute(stmt, {"day": day, "n": count}).scalar_one())
    return [f"{prefix}{day}{seq:05d}" for seq in range(last - count + 1, last + 1)]


@cache
def _counter_statement(dialect: str) -> Any:
    """The day's counter upsert, moved on by `n` (built once per dialect)."""
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(CaseCounterRow).values(
        day=bindparam("day"), last=bindparam("n")
    )
    return ins.on_conflict_do_update(
        index_elements=["day"], set_={"last": CaseCounterRow.last + ins.excluded.last}
    ).returning(CaseCounterRow.last)


#: A new case's loop state: empty collections, so its answer reads none of them back.
_NEW_CASE_COLLECTIONS = ("units", "coordinations", "co_replies", "extensions", "callbacks")


def new_case_row(**columns: Any) -> CaseRow:
    """A new (transient) case with these column values, made as `CaseRow(**columns, units=[], …)` would, for a
    fraction of the cost: the values go straight into the object's state, without the attribute events the
    constructor fires for each (a new row has no history to keep: an INSERT writes every value it holds). Its
    collections are set through the ORM, empty."""
    case: CaseRow = CaseRow.__mapper__.class_manager.new_instance()
    unknown = columns.keys() - _column_keys()
    if unknown:
        raise TypeError(f"not columns of cases: {sorted(unknown)}")
    case.__dict__.update(columns)
    for name in _NEW_CASE_COLLECTIONS:
        setattr(case, name, [])
    return case


@cache
def _column_keys() -> frozenset[str]:
    return frozenset(prop.key for prop in sa_inspect(CaseRow).column_attrs)


@cache
def _case_columns() -> tuple[tuple[str, Any], ...]:
    """(attribute, its column default) of every column of the cases table but the id."""
    return tuple((prop.key, prop.columns[0].default) for prop in sa_inspect(CaseRow).column_attrs if prop.key != "id")


@cache
def _insert_cases_statement() -> Any:
    table: Table = CaseRow.__table__  # type: ignore[assignment]
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def insert_cases(session: Session, cases: Sequence[CaseRow]) -> None:
    """Store new cases with one INSERT … RETURNING and attach each object to the session as if it had been
    loaded: every column is known (defaults filled in here), so reading it back costs no query."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        known = case.__dict__
        row: dict[str, Any] = {}
        for key, default in _case_columns():
            if key in known:
                row[key] = known[key]
            elif default is None:
                row[key] = None
            elif default.is_scalar:
                row[key] = default.arg
            else:  # a callable default (list): SQLAlchemy wraps it to take the execution context
                row[key] = default.arg(None)
        rows.append(row)
    ids = session.connection().execute(_insert_cases_statement(), rows).scalars().all()
    for case, row, case_id in zip(cases, rows, ids, strict=True):
        # plain values of a transient object, committed as loaded state just below (no change events needed)
        case.__dict__.update({k: v for k, v in row.items() if k not in case.__dict__}, id=case_id)
        case.duplicate_of = None
        make_transient_to_detached(case)
        session.add(case)
        remember_exercise_row(session, case)
