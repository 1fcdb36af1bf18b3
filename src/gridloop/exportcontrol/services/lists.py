"""Control-list snapshots (管控名单 / 关注名单): an administrator imports a CSV dated `as_of`; screenings read them."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridloop.exportcontrol.domain.lists import ListEntry, ListKind, ListSnapshot
from gridloop.exportcontrol.tables import ExportControlListEntryRow
from gridloop.kernel.errors import InvalidInput, ValidationProblems
from gridloop.platform.db.uow import UnitOfWork

#: CSV header → field (English or Chinese headers); any other column is refused.
COLUMNS = {
    "name": "name", "名称": "name", "实体名称": "name",
    "aliases": "aliases", "别名": "aliases",
    "country": "country", "国家或地区": "country", "国家": "country",
    "listed_on": "listed_on", "列入日期": "listed_on",
    "source": "source", "来源": "source",
}  # fmt: skip
KINDS = {"control": ListKind.CONTROL, "管控名单": ListKind.CONTROL, "watch": ListKind.WATCH, "关注名单": ListKind.WATCH}


def parse_kind(text: str) -> ListKind:
    """control / watch (or 管控名单 / 关注名单)."""
    kind = KINDS.get(text.strip())
    if kind is None:
        raise InvalidInput(f"Unknown list {text!r}; use control (管控名单) or watch (关注名单).")
    return kind


def import_list_csv(
    uow: UnitOfWork, text: str, *, kind: ListKind, as_of: date, source: str, by: str, now: datetime
) -> int:
    """Replace the snapshot (`kind`, `as_of`) with the CSV's rows; every problem is reported at once."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in headers if h not in COLUMNS]
    if unknown or "name" not in {COLUMNS.get(h) for h in headers}:
        raise InvalidInput(
            f"List CSV columns: need name (名称); allowed {', '.join(sorted(COLUMNS))}; unknown: {', '.join(unknown)}"
        )
    problems = ValidationProblems()
    rows: list[ExportControlListEntryRow] = []
    for line, raw in enumerate(reader, start=2):
        record = {COLUMNS[k.strip()]: (v or "").strip() for k, v in raw.items() if k is not None}
        if not record.get("name"):
            problems.add(f"line {line}", "name is empty")
            continue
        listed_on = None
        if record.get("listed_on"):
            try:
                listed_on = date.fromisoformat(record["listed_on"])
            except ValueError:
                problems.add(f"line {line}", f"listed_on is not a date: {record['listed_on']!r}")
        rows.append(
            ExportControlListEntryRow(
                list_kind=kind.value,
                as_of=as_of,
                name=record["name"],
                aliases=[a.strip() for a in record.get("aliases", "").split("|") if a.strip()],
                country=record.get("country", ""),
                listed_on=listed_on,
                source=record.get("source") or source,
                imported_by=by,
                imported_at=now,
            )
        )
    problems.raise_if_any("The list CSV has problems; nothing was imported.")
    uow.session.execute(
        delete(ExportControlListEntryRow).where(
            ExportControlListEntryRow.list_kind == kind.value, ExportControlListEntryRow.as_of == as_of
        )
    )
    uow.session.add_all(rows)
    uow.commit()
    return len(rows)


def load_snapshots(session: Session) -> tuple[ListSnapshot, ...]:
    """Every imported snapshot (an empty imported list is not representable: it has no rows)."""
    grouped: dict[tuple[str, date], list[ExportControlListEntryRow]] = defaultdict(list)
    for row in session.scalars(select(ExportControlListEntryRow).order_by(ExportControlListEntryRow.id)):
        grouped[(row.list_kind, row.as_of)].append(row)
    return tuple(
        ListSnapshot(
            ListKind(kind),
            as_of,
            tuple(ListEntry(r.name, tuple(r.aliases), r.country, r.listed_on, r.source) for r in rows),
            source=rows[0].source,
            imported_by=rows[0].imported_by,
        )
        for (kind, as_of), rows in sorted(grouped.items())
    )


def list_summary(session: Session) -> list[dict[str, object]]:
    """The snapshots held: list, date, entry count."""
    return [s.as_dict() for s in load_snapshots(session)]
