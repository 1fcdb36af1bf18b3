"""Many synthetic cases fast (bulk INSERTs, no lifecycle replay): for benchmarks and browser tests.

Cases are spread over every status with consistent timestamps, lead units and deadlines; each gets its receive
event. They are demo data (numbers start with the prefix given, "BK" by default). Use `demo.generate_cases` when
the cases must have walked the real lifecycle.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from gridloop.cases.domain.lifecycle import Status
from gridloop.cases.services import audit
from gridloop.cases.tables import CaseEventRow, CaseRow, CaseUnitRow
from gridloop.platform.org.tables import UnitRow

#: (weight, status) of the generated cases.
MIX: list[tuple[float, Status]] = [
    (0.05, Status.RECEIVED),
    (0.06, Status.DISPATCHED),
    (0.02, Status.RETURN_REVIEW),
    (0.05, Status.SIGNED),
    (0.12, Status.IN_PROGRESS),
    (0.02, Status.SUSPENDED),
    (0.04, Status.AWAITING_REVIEW),
    (0.04, Status.AWAITING_CALLBACK),
    (0.02, Status.CALLED_BACK),
    (0.52, Status.CLOSED),
    (0.03, Status.CANCELLED),
    (0.03, Status.MERGED),
]
_AT_UNIT = {
    Status.DISPATCHED,
    Status.RETURN_REVIEW,
    Status.SIGNED,
    Status.IN_PROGRESS,
    Status.SUSPENDED,
    Status.AWAITING_REVIEW,
    Status.AWAITING_CALLBACK,
    Status.CALLED_BACK,
    Status.CLOSED,
}


@dataclass(frozen=True)
class BulkTexts:
    """What generated cases say: title/text templates per category (with {p} for a place), the places, and the
    district department suffix that handles each category."""

    templates: Mapping[str, Sequence[str]]
    places: Sequence[str]
    departments: Mapping[str, str]


def bulk_cases(
    session: Session,
    *,
    count: int,
    now: datetime,
    texts: BulkTexts,
    days: int = 365,
    seed: int = 7,
    prefix: str = "BK",
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `count` cases received over the last `days` days (not committed); returns how many."""
    rng = random.Random(seed)
    grids = session.execute(
        select(UnitRow.id, UnitRow.path, UnitRow.area_code).where(UnitRow.kind == "area", UnitRow.level == "grid")
    ).all()
    depts = {
        code: (uid, path)
        for uid, code, path in session.execute(
            select(UnitRow.id, UnitRow.code, UnitRow.path).where(UnitRow.kind == "department")
        )
    }
    if not grids:
        raise ValueError("no grid units; build the demo organisation first")
    next_id = int(session.scalar(select(func.coalesce(func.max(CaseRow.id), 0))) or 0) + 1
    weights = [w for w, _ in MIX]
    statuses = [s for _, s in MIX]
    categories = list(texts.templates)
    span = days * 86400
    done = 0
    while done < count:
        n = min(batch, count - done)
        cases: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for _ in range(n):
            cid = next_id
            next_id += 1
            status = rng.choices(statuses, weights)[0]
            category = rng.choice(categories)
            _gid, gpath, gcode = rng.choice(grids)
            gcode = str(gcode)
            closed = status in (Status.CLOSED, Status.CANCELLED, Status.MERGED)
            # Open cases are mostly recent; finished ones spread over the whole period.
            age = rng.random() * (span if closed else min(span, 12 * 86400))
            received = now - timedelta(seconds=age)
            district = gcode[:6]
            dispatched = received + timedelta(hours=rng.uniform(0.2, 6)) if status in _AT_UNIT else None
            reply_due = dispatched + timedelta(days=5) if dispatched else None
            closed_at = min(now, received + timedelta(days=rng.uniform(0.5, 9))) if closed else None
            open_due = None
            if status in (Status.DISPATCHED, Status.RETURN_REVIEW):
                open_due = dispatched + timedelta(days=1) if dispatched else None
            elif status in (Status.SIGNED, Status.IN_PROGRESS):
                open_due = reply_due
            sat = None
            if status in (Status.CLOSED, Status.CALLED_BACK) and rng.random() < 0.8:
                sat = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [70, 20, 10])[0]
            cases.append(
                {
                    "id": cid,
                    "number": f"{prefix}{cid:012d}",
                    "title": rng.choice(texts.templates[category]).format(p=rng.choice(texts.places))[:30],
                    "text": rng.choice(texts.templates[category]).format(p=rng.choice(texts.places)),
                    "channel": "phone",
                    "request_type": rng.choice(["complaint", "help", "inquiry", "suggestion"]),
                    "urgency": "normal",
                    "category": category,
                    "category_confidence": 1.0,
                    "status": status.value,
                    "area_unit_id": _gid,
                    "area_path": gpath,
                    "district_code": district,
                    "street_code": gcode[:9],
                    "locate_method": "given",
                    "reporter_phone": f"13{rng.randint(100_000_000, 999_999_999)}",
                    "attachments": [],
                    "tags": [],
                    "received_at": received,
                    "dispatched_at": dispatched,
                    "reply_due_at": reply_due,
                    "due_at": open_due,
                    "closed_at": closed_at,
                    "satisfaction": sat,
                    "solved": None if sat is None else sat != "dissatisfied",
                    "supervised": rng.random() < 0.02 and not closed,
                    "updated_at": closed_at or dispatched or received,
                    "version": 1,
                    "return_count": 0,
                    "reopen_count": 0,
                }
            )
            if dispatched is not None:
                uid, upath = depts[f"{district}-{texts.departments[category]}"]
                cases[-1]["lead_unit_id"] = uid
                links.append(
                    {
                        "case_id": cid,
                        "unit_id": uid,
                        "unit_path": upath,
                        "role": "lead",
                        "active": True,
                        "assigned_at": dispatched,
                    }
                )
            else:
                cases[-1]["lead_unit_id"] = None
            events.append(
                {
                    "case_id": cid,
                    "at": received,
                    "actor_id": None,
                    "actor_name": "bulk",
                    "actor_role": "operator",
                    "action": "receive",
                    "from_status": None,
                    "to_status": "received",
                    "note": None,
                    "payload": {"bulk": True},
                }
            )
        session.execute(insert(CaseRow), cases)
        if links:
            session.execute(insert(CaseUnitRow), links)
        session.execute(insert(CaseEventRow), events)
        done += n
        if progress is not None:
            progress(n)
    if session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly: move the id sequence past them so later inserts do not collide.
        session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    return done


#: The tag every imported case carries, and who its one audit event names (a `receive` straight into the status
#: it had in the other system; the event's payload names the import batch).
IMPORTED_TAG = "imported"
IMPORT_ACTOR = "历史导入"
_CASE_DEFAULTS: dict[str, Any] = {
    "title": "",
    "text": "",
    "attachments": [],
    "supervised": False,
    "return_count": 0,
    "reopen_count": 0,
    "version": 1,
    "sla_level": 0,
    "locate_method": "imported",
}


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def existing_numbers(session: Session, numbers: Sequence[str]) -> set[str]:
    """Those of `numbers` some case already has."""
    found: set[str] = set()
    for i in range(0, len(numbers), 900):
        chunk = list(numbers[i : i + 900])
        found.update(session.scalars(select(CaseRow.number).where(CaseRow.number.in_(chunk))))
    return found


def insert_imported(session: Session, rows: Sequence[Mapping[str, Any]], *, import_id: int) -> int:
    """Insert finished or running cases from another system as they were (their numbers, times, status), tagged
    imported, each with one audit event (`receive`, by 历史导入) at its receiving time; no lifecycle replay, nothing
    published. Not committed (the import is all or nothing). `rows` hold case columns; `lead_unit_path` is taken out.
    """
    if not rows:
        return 0
    next_id = int(session.scalar(select(func.coalesce(func.max(CaseRow.id), 0))) or 0) + 1
    cases: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row in rows:
        case = {**_CASE_DEFAULTS, **row}
        lead_path = case.pop("lead_unit_path", None)
        case["id"] = next_id
        case["tags"] = [IMPORTED_TAG]
        case["updated_at"] = case.get("closed_at") or case.get("replied_at") or case["received_at"]
        case.setdefault("category_confidence", 1.0 if case.get("category") else None)
        if not case["title"]:
            case["title"] = str(case["text"])[:30]
        if not case["text"]:
            case["text"] = case["title"]
        cases.append(case)
        if case.get("lead_unit_id") is not None and lead_path is not None:
            links.append(
                {
                    "case_id": next_id,
                    "unit_id": case["lead_unit_id"],
                    "unit_path": lead_path,
                    "role": "lead",
                    "active": case["status"] not in ("closed", "cancelled", "merged"),
                    "assigned_at": case.get("dispatched_at") or case["received_at"],
                }
            )
        events.append(
            {
                "case_id": next_id,
                "at": case["received_at"],
                "actor_id": None,
                "actor_name": IMPORT_ACTOR,
                "actor_role": "admin",
                "action": "receive",
                "from_status": None,
                "to_status": case["status"],
                "note": None,
                "payload": {"import_id": import_id},
            }
        )
        next_id += 1
    # Core inserts (no ORM bookkeeping per row); the audit chain is filled here since the ORM hook does not see them.
    conn = session.connection()
    conn.execute(insert(_table(CaseRow)), cases)
    if links:
        conn.execute(insert(_table(CaseUnitRow)), links)
    for event in events:
        event.setdefault("actor_id", None)
        event.setdefault("from_status", None)
    audit.chain(conn, events)
    conn.execute(insert(_table(CaseEventRow)), events)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    return len(cases)
