"""typed case state: the keys of cases.extra become columns and child tables

Coordinations, co-unit replies, extension requests and callbacks get tables of their own; suspension, closure,
intake facts (triage, locating), auto-dispatch's decision and the duplicate link become columns of `cases`.
The data of `cases.extra` is carried over in batches, extension requests and callbacks are rebuilt from the
audit events (which hold every one of them), then `extra` and `extension_pending_days` are dropped.

SQLite: columns are added and dropped with plain ALTER TABLE (SQLite ≥ 3.35), never by copying `cases`: a
copy would drop the old table, which the foreign keys of case_units and case_events forbid (or cascade).

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import gridloop.platform.db.types

revision: str = "0008"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
UTC_DT = gridloop.platform.db.types.UTCDateTime(timezone=True)

#: New columns of `cases` (all nullable: existing rows get them empty, then filled from `extra`).
CASE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("suspended_at", UTC_DT),
    ("closure_kind", sa.String(length=16)),
    ("duty_grid_code", sa.String(length=32)),
    ("locate_confidence", sa.Float()),
    ("area_candidates", sa.JSON(none_as_null=True)),
    ("urgency_reason", sa.Text()),
    ("incident_type", sa.String(length=32)),
    ("meaningless_reason", sa.String(length=200)),
    ("masked_text", sa.Text()),
    ("dispatch_auto", sa.Boolean()),
    ("suggested_unit", sa.String(length=32)),
    ("suggested_co_units", sa.JSON(none_as_null=True)),
    ("suggested_area", sa.String(length=20)),
    ("suggest_reason", sa.Text()),
    ("suggest_confidence", sa.Float()),
    ("suggest_catalogue_version", sa.Integer()),
    ("duplicate_action", sa.String(length=8)),
    ("duplicate_similarity", sa.Float()),
    ("duplicate_reason", sa.Text()),
)
DUPLICATE_FK = "fk_cases_duplicate_of_id_cases"
EXTENSION_ACTIONS = ("request_extension", "approve_extension", "reject_extension")


def _create_tables() -> None:
    def case_fk(table: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases"), ondelete="CASCADE"
        )

    op.create_table(
        "case_coordinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("coordinator_unit", sa.String(length=32), nullable=False),
        sa.Column("coordinator_name", sa.String(length=100), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("opened_at", UTC_DT, nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=True),
        sa.Column("lead_unit", sa.String(length=32), nullable=True),
        sa.Column("co_units", sa.JSON(), nullable=True),
        sa.Column("decided_at", UTC_DT, nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", UTC_DT, nullable=True),
        case_fk("case_coordinations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_coordinations")),
    )
    op.create_table(
        "case_co_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        case_fk("case_co_replies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_co_replies")),
    )
    op.create_table(
        "case_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_at", UTC_DT, nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_at", UTC_DT, nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("old_due", UTC_DT, nullable=True),
        sa.Column("new_due", UTC_DT, nullable=True),
        case_fk("case_extensions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_extensions")),
    )
    op.create_table(
        "case_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.Column("satisfaction", sa.String(length=24), nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        case_fk("case_callbacks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_callbacks")),
    )
    for table in ("case_coordinations", "case_co_replies", "case_extensions", "case_callbacks"):
        op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"], unique=False)


def _add_case_columns() -> None:
    for name, type_ in CASE_COLUMNS:
        op.add_column("cases", sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # ALTER TABLE can add a column with its reference, not a constraint
        op.execute(
            f"ALTER TABLE cases ADD COLUMN duplicate_of_id INTEGER CONSTRAINT {DUPLICATE_FK} REFERENCES cases (id)"
        )
    else:
        op.add_column("cases", sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key(DUPLICATE_FK, "cases", "cases", ["duplicate_of_id"], ["id"])


# --- carrying the data over ------------------------------------------------------------------------------------

OLD_CASES = sa.table(
    "cases",
    sa.column("id", sa.Integer()),
    sa.column("number", sa.String()),
    sa.column("extra", sa.JSON()),
    sa.column("extension_pending_days", sa.Integer()),
    sa.column("satisfaction", sa.String()),
    sa.column("solved", sa.Boolean()),
    sa.column("closed_at", UTC_DT),
    sa.column("updated_at", UTC_DT),
    sa.column("parent_case_id", sa.Integer()),
    *[sa.column(name, type_) for name, type_ in CASE_COLUMNS],
    sa.column("duplicate_of_id", sa.Integer()),
)
EVENTS = sa.table(
    "case_events",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTC_DT),
    sa.column("actor_name", sa.String()),
    sa.column("action", sa.String()),
    sa.column("note", sa.Text()),
    sa.column("payload", sa.JSON()),
)
COORDINATIONS = sa.table(
    "case_coordinations",
    *[
        sa.column(n, t)
        for n, t in (
            ("case_id", sa.Integer()),
            ("level", sa.String()),
            ("coordinator_unit", sa.String()),
            ("coordinator_name", sa.String()),
            ("tags", sa.JSON()),
            ("reasons", sa.JSON()),
            ("opened_at", UTC_DT),
            ("opened_by", sa.String()),
            ("lead_unit", sa.String()),
            ("co_units", sa.JSON()),
            ("decided_at", UTC_DT),
            ("decided_by", sa.String()),
            ("decision_reason", sa.Text()),
            ("closed_at", UTC_DT),
        )
    ],
)
CO_REPLIES = sa.table(
    "case_co_replies",
    sa.column("case_id", sa.Integer()),
    sa.column("unit", sa.String()),
    sa.column("reply", sa.Text()),
    sa.column("at", UTC_DT),
    sa.column("by", sa.String()),
)
EXTENSIONS = sa.table(
    "case_extensions",
    *[
        sa.column(n, t)
        for n, t in (
            ("case_id", sa.Integer()),
            ("days", sa.Integer()),
            ("reason", sa.Text()),
            ("requested_at", UTC_DT),
            ("requested_by", sa.String()),
            ("decision", sa.String()),
            ("decided_at", UTC_DT),
            ("decided_by", sa.String()),
            ("old_due", UTC_DT),
            ("new_due", UTC_DT),
        )
    ],
)
CALLBACKS = sa.table(
    "case_callbacks",
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTC_DT),
    sa.column("by", sa.String()),
    sa.column("satisfaction", sa.String()),
    sa.column("solved", sa.Boolean()),
    sa.column("note", sa.Text()),
)


def _when(raw: Any) -> datetime | None:
    """An ISO time from the old JSON (naive ones were written in UTC)."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _str(raw: Any) -> str | None:
    return None if raw is None or raw == "" else str(raw)


def _num(raw: Any) -> float | None:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _batches(conn: sa.Connection, columns: list[Any]) -> Iterator[Sequence[Any]]:
    """Rows of `cases` in id order, BATCH at a time (keyset paging: no offset scans)."""
    last = 0
    while True:
        stmt = sa.select(*columns).where(OLD_CASES.c.id > last).order_by(OLD_CASES.c.id).limit(BATCH)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _case_values(conn: sa.Connection, row: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """The typed columns of one case, from its old `extra`."""
    values: dict[str, Any] = {name: None for name, _type in CASE_COLUMNS} | {"duplicate_of_id": None}
    values["suspended_at"] = _when(extra.get("suspended_at"))
    if extra.get("closure") == "direct":
        values["closure_kind"] = "direct"
    if extra.get("closed_with_parent") or extra.get("callback") in ("pending", "done"):
        values["closure_kind"] = "with_parent"
    values["duty_grid_code"] = _str(extra.get("duty_grid_code"))
    values["locate_confidence"] = _num(extra.get("locate_confidence"))
    if isinstance(extra.get("area_candidates"), list):
        values["area_candidates"] = extra["area_candidates"]
    values["urgency_reason"] = _str(extra.get("urgency_reason"))
    values["incident_type"] = _str(extra.get("incident_type"))
    if extra.get("meaningless"):
        meaningless = extra["meaningless"]
        values["meaningless_reason"] = meaningless if isinstance(meaningless, str) else "meaningless"
    values["masked_text"] = _str(extra.get("masked_text"))
    route = extra.get("dispatch") if isinstance(extra.get("dispatch"), dict) else extra.get("dispatch_suggestion")
    if isinstance(route, dict):
        values["dispatch_auto"] = bool(route.get("auto")) if "auto" in route else "dispatch" in extra
        values["suggested_unit"] = _str(route.get("unit"))
        co_units = route.get("co_units")
        values["suggested_co_units"] = [str(c) for c in co_units] if isinstance(co_units, list) else None
        values["suggested_area"] = _str(route.get("area"))
        values["suggest_reason"] = _str(route.get("reason"))
        values["suggest_confidence"] = _num(route.get("confidence"))
        version = route.get("catalogue_version")
        values["suggest_catalogue_version"] = version if isinstance(version, int) else None
    elif extra.get("suggested_unit") or extra.get("suggest_reason") or extra.get("dispatch_reason"):
        values["suggested_unit"] = _str(extra.get("suggested_unit"))  # written by hand before auto-dispatch
        values["suggest_reason"] = _str(extra.get("suggest_reason") or extra.get("dispatch_reason"))
    for key, action in (("duplicate_of", "merge"), ("duplicate_suggestion", "suggest")):
        link = extra.get(key)
        if isinstance(link, dict) and link.get("number"):
            other = conn.scalar(sa.select(OLD_CASES.c.id).where(OLD_CASES.c.number == str(link["number"])))
            if other is not None:
                values["duplicate_of_id"] = other
                values["duplicate_action"] = action
                values["duplicate_similarity"] = _num(link.get("similarity"))
                values["duplicate_reason"] = _str(link.get("reason"))
                break
    return values


def _coordination(case_id: int, row: Any, extra: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The case's coordination and its co-unit replies, from the old `extra`."""
    replies = []
    for unit, reply in (extra.get("co_replies") or {}).items():
        if isinstance(reply, dict):
            at = _when(reply.get("at")) or row.updated_at
            replies.append(
                {
                    "case_id": case_id,
                    "unit": str(unit),
                    "reply": _str(reply.get("reply")),
                    "at": at,
                    "by": _str(reply.get("by")),
                }
            )
    info = extra.get("coordination")
    if not isinstance(info, dict):
        return None, replies
    raw_decided = info.get("decided")
    decided: dict[str, Any] = raw_decided if isinstance(raw_decided, dict) else {}
    co_units = decided.get("co_units")
    return (
        {
            "case_id": case_id,
            "level": str(info.get("level") or "city"),
            "coordinator_unit": str(info.get("unit") or ""),
            "coordinator_name": str(info.get("unit_name") or info.get("unit") or ""),
            "tags": [str(t) for t in info.get("tags") or []],
            "reasons": [str(r) for r in info.get("reasons") or []],
            "opened_at": _when(info.get("since")) or row.updated_at,
            "opened_by": None,
            "lead_unit": _str(decided.get("lead_unit")),
            "co_units": [str(c) for c in co_units] if isinstance(co_units, list) else None,
            "decided_at": _when(decided.get("at")),
            "decided_by": _str(decided.get("by")),
            "decision_reason": _str(decided.get("reason")),
            "closed_at": row.closed_at,
        },
        replies,
    )


def _carry_extra(conn: sa.Connection) -> None:
    columns = [OLD_CASES.c.id, OLD_CASES.c.extra, OLD_CASES.c.closed_at, OLD_CASES.c.updated_at]
    for rows in _batches(conn, columns):
        updates, coordinations, replies = [], [], []
        for row in rows:
            extra = row.extra if isinstance(row.extra, dict) else {}
            if not extra:
                continue
            updates.append({"_id": row.id, **_case_values(conn, row, extra)})
            coordination, co_replies = _coordination(row.id, row, extra)
            if coordination is not None:
                coordinations.append(coordination)
            replies.extend(co_replies)
        if updates:
            stmt = OLD_CASES.update().where(OLD_CASES.c.id == sa.bindparam("_id"))
            conn.execute(stmt, updates)
        if coordinations:
            conn.execute(COORDINATIONS.insert(), coordinations)
        if replies:
            conn.execute(CO_REPLIES.insert(), replies)


def _replay_events(
    conn: sa.Connection, first: int, last: int
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Every extension request (with its decision) and every callback of the cases first..last, from their events."""
    extensions: dict[int, list[dict[str, Any]]] = {}
    callbacks: dict[int, list[dict[str, Any]]] = {}
    events = conn.execute(
        sa.select(EVENTS)
        .where(EVENTS.c.case_id.between(first, last), EVENTS.c.action.in_([*EXTENSION_ACTIONS, "callback"]))
        .order_by(EVENTS.c.case_id, EVENTS.c.id)  # each case's events in order; uses the case_id index
    )
    for e in events:
        payload = e.payload if isinstance(e.payload, dict) else {}
        if e.action == "callback":
            if payload.get("satisfaction"):
                callbacks.setdefault(e.case_id, []).append(
                    {
                        "case_id": e.case_id,
                        "at": e.at,
                        "by": e.actor_name,
                        "satisfaction": str(payload["satisfaction"]),
                        "solved": payload.get("solved") if isinstance(payload.get("solved"), bool) else None,
                        "note": e.note,
                    }
                )
            continue
        requests = extensions.setdefault(e.case_id, [])
        if e.action == "request_extension":
            requests.append(
                {
                    "case_id": e.case_id,
                    "days": int(payload.get("days") or 0),
                    "reason": e.note,
                    "requested_at": e.at,
                    "requested_by": e.actor_name,
                    "decision": None,
                    "decided_at": None,
                    "decided_by": None,
                    "old_due": None,
                    "new_due": None,
                }
            )
            continue
        open_ = next((r for r in reversed(requests) if r["decision"] is None), None)
        if open_ is None:
            continue
        approved = e.action == "approve_extension"
        open_.update(
            {
                "decision": "approved" if approved else "rejected",
                "decided_at": e.at,
                "decided_by": e.actor_name,
                "old_due": _when(payload.get("old_due")) if approved else None,
                "new_due": _when(payload.get("new_due")) if approved else None,
            }
        )
        if approved and payload.get("days"):
            open_["days"] = int(payload["days"])
    return extensions, callbacks


def _carry_extensions_and_callbacks(conn: sa.Connection) -> None:
    """Rebuild requests and callbacks from the events; the old counters fill in what no event says."""
    columns = [
        OLD_CASES.c.id,
        OLD_CASES.c.extra,
        OLD_CASES.c.extension_pending_days,
        OLD_CASES.c.satisfaction,
        OLD_CASES.c.solved,
        OLD_CASES.c.closed_at,
        OLD_CASES.c.updated_at,
    ]
    for rows in _batches(conn, columns):
        extensions, callbacks = _replay_events(conn, rows[0].id, rows[-1].id)
        new_requests, new_callbacks = [], []
        for row in rows:
            requests = extensions.pop(row.id, [])
            extra = row.extra if isinstance(row.extra, dict) else {}
            counted = extra.get("extensions")
            approved = sum(1 for r in requests if r["decision"] == "approved")
            for _ in range(max(0, int(counted) - approved) if isinstance(counted, int) else 0):
                requests.insert(0, _legacy_request(row, decision="approved"))
            pending = next((r for r in requests if r["decision"] is None), None)
            if row.extension_pending_days is not None:
                if pending is None:
                    requests.append(_legacy_request(row, decision=None))
                    pending = requests[-1]
                pending["days"] = row.extension_pending_days
            elif pending is not None:  # the events say waiting, the case says decided: trust the case
                requests.remove(pending)
            new_requests.extend(requests)
            calls = callbacks.pop(row.id, [])
            if not calls and row.satisfaction:  # a result with no event (bulk demo data): keep it as one callback
                calls = [
                    {
                        "case_id": row.id,
                        "at": row.closed_at or row.updated_at,
                        "by": None,
                        "satisfaction": row.satisfaction,
                        "solved": row.solved,
                        "note": None,
                    }
                ]
            new_callbacks.extend(calls)
        if new_requests:
            conn.execute(EXTENSIONS.insert(), new_requests)
        if new_callbacks:
            conn.execute(CALLBACKS.insert(), new_callbacks)


def _legacy_request(row: Any, *, decision: str | None) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "days": row.extension_pending_days or 0,
        "reason": "carried over from the case's extension count (no audit event)",
        "requested_at": row.updated_at,
        "requested_by": None,
        "decision": decision,
        "decided_at": row.updated_at if decision else None,
        "decided_by": None,
        "old_due": None,
        "new_due": None,
    }


def upgrade() -> None:
    _create_tables()
    _add_case_columns()
    conn = op.get_bind()
    _carry_extra(conn)
    _carry_extensions_and_callbacks(conn)
    op.drop_column("cases", "extra")
    op.drop_column("cases", "extension_pending_days")


# --- back to 0005 -----------------------------------------------------------------------------------------------


def _old_extra(conn: sa.Connection, row: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key in ("duty_grid_code", "locate_confidence", "area_candidates", "urgency_reason", "incident_type",
                "masked_text"):  # fmt: skip
        if getattr(row, key) is not None:
            extra[key] = getattr(row, key)
    if row.meaningless_reason:
        extra["meaningless"] = row.meaningless_reason
    if row.suspended_at is not None:
        extra["suspended_at"] = row.suspended_at.isoformat()
    if row.closure_kind == "direct":
        extra["closure"] = "direct"
    elif row.closure_kind == "with_parent":
        extra["closed_with_parent"] = conn.scalar(
            sa.select(OLD_CASES.c.number).where(OLD_CASES.c.id == row.parent_case_id)
        )
        called = conn.scalar(
            sa.select(sa.func.count())
            .select_from(CALLBACKS)
            .where(CALLBACKS.c.case_id == row.id, CALLBACKS.c.at >= row.closed_at)
        )
        extra["callback"] = "done" if called else "pending"
    if row.dispatch_auto is None and (row.suggested_unit or row.suggest_reason):
        extra.update({"suggested_unit": row.suggested_unit, "suggest_reason": row.suggest_reason})
    if row.dispatch_auto is not None:
        route = {
            "auto": bool(row.dispatch_auto),
            "reason": row.suggest_reason,
            "catalogue_version": row.suggest_catalogue_version,
            "confidence": row.suggest_confidence,
        }
        if row.suggested_unit:
            route.update(
                {"unit": row.suggested_unit, "co_units": row.suggested_co_units or [], "area": row.suggested_area}
            )
        extra["dispatch" if row.dispatch_auto else "dispatch_suggestion"] = route
    if row.duplicate_of_id is not None:
        number = conn.scalar(sa.select(OLD_CASES.c.number).where(OLD_CASES.c.id == row.duplicate_of_id))
        key = "duplicate_of" if row.duplicate_action == "merge" else "duplicate_suggestion"
        extra[key] = {"number": number, "similarity": row.duplicate_similarity, "reason": row.duplicate_reason}
    return extra


def downgrade() -> None:
    """Back to `extra` (coordinations, replies and counters folded in again; the request history is lost)."""
    op.add_column("cases", sa.Column("extra", sa.JSON(), nullable=True))
    op.add_column("cases", sa.Column("extension_pending_days", sa.Integer(), nullable=True))
    conn = op.get_bind()
    typed = [getattr(OLD_CASES.c, name) for name, _type in CASE_COLUMNS]
    columns = [OLD_CASES.c.id, OLD_CASES.c.duplicate_of_id, OLD_CASES.c.parent_case_id, OLD_CASES.c.closed_at]
    for rows in _batches(conn, [*columns, *typed]):
        updates = []
        for row in rows:
            extra = _old_extra(conn, row)
            requests = conn.execute(sa.select(EXTENSIONS).where(EXTENSIONS.c.case_id == row.id)).all()
            approved = sum(1 for r in requests if r.decision == "approved")
            if approved:
                extra["extensions"] = approved
            pending = next((r.days for r in requests if r.decision is None), None)
            coordination = conn.execute(
                sa.select(COORDINATIONS).where(COORDINATIONS.c.case_id == row.id).order_by(sa.text("id DESC"))
            ).first()
            if coordination is not None:
                info: dict[str, Any] = {
                    "level": coordination.level,
                    "unit": coordination.coordinator_unit,
                    "unit_name": coordination.coordinator_name,
                    "tags": coordination.tags,
                    "reasons": coordination.reasons,
                    "since": coordination.opened_at.isoformat(),
                }
                if coordination.decided_at is not None:
                    info["decided"] = {
                        "at": coordination.decided_at.isoformat(),
                        "by": coordination.decided_by,
                        "lead_unit": coordination.lead_unit,
                        "co_units": coordination.co_units or [],
                        "reason": coordination.decision_reason,
                    }
                extra["coordination"] = info
            replies = conn.execute(sa.select(CO_REPLIES).where(CO_REPLIES.c.case_id == row.id)).all()
            if replies:
                extra["co_replies"] = {r.unit: {"at": r.at.isoformat(), "by": r.by, "reply": r.reply} for r in replies}
            updates.append({"_id": row.id, "extra": extra, "extension_pending_days": pending})
        if updates:
            conn.execute(OLD_CASES.update().where(OLD_CASES.c.id == sa.bindparam("_id")), updates)
    conn.execute(OLD_CASES.update().where(OLD_CASES.c.extra.is_(None)).values(extra={}))
    for table in ("case_callbacks", "case_extensions", "case_co_replies", "case_coordinations"):
        op.drop_index(op.f(f"ix_{table}_case_id"), table_name=table)
        op.drop_table(table)
    for name, _type in CASE_COLUMNS:
        op.drop_column("cases", name)
    if conn.dialect.name != "sqlite":  # SQLite drops the column with its inline reference
        op.drop_constraint(DUPLICATE_FK, "cases", type_="foreignkey")
    op.drop_column("cases", "duplicate_of_id")
