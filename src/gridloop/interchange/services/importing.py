"""Import a city's history: work orders from CSV or Excel with a column-mapping file, all or nothing.

One pass over the file: each row is converted and checked; valid rows are inserted in batches inside one
transaction while no problem has been seen; after the first problem nothing more is inserted but every row is
still checked, so the report names every problem, and the transaction is rolled back. A dry run checks without
inserting. Imported cases keep their numbers and times, carry the `imported` tag and name their batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import Channel, RequestType, Satisfaction, Status, Urgency
from gridloop.cases.services import bulk as case_bulk
from gridloop.interchange.adapters.files import file_format, read_rows
from gridloop.interchange.domain.mapping import ImportSpec, RowConverter, RowProblem, Vocabulary, missing_columns
from gridloop.interchange.tables import CaseImportRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.labels import LabeledEnum
from gridloop.platform.db.uow import UnitOfWorkFactory
from gridloop.platform.org.tables import CategoryRow, UnitRow

#: Problems listed in a report (all are counted).
MAX_LISTED = 500
_ENUMS: dict[str, type[LabeledEnum]] = {
    "channel": Channel,
    "request_type": RequestType,
    "urgency": Urgency,
    "status": Status,
    "satisfaction": Satisfaction,
}


@dataclass
class ImportReport:
    """What an import did or would do."""

    file_name: str
    rows: int = 0
    valid: int = 0
    imported: int = 0
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    import_id: int | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when every row is valid."""
        return self.problem_count == 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "file": self.file_name,
            "rows": self.rows,
            "valid": self.valid,
            "imported": self.imported,
            "import_id": self.import_id,
            "dry_run": self.dry_run,
            "problem_count": self.problem_count,
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems],
        }


@dataclass(frozen=True)
class _Unit:
    id: int
    path: str
    area_code: str | None
    level: str
    kind: str


def _vocabulary(session: Session) -> tuple[Vocabulary, dict[int, _Unit]]:
    enums: dict[str, dict[str, str]] = {}
    for name, enum in _ENUMS.items():
        table: dict[str, str] = {}
        for member in enum:
            table[member.value] = member.value
            table[member.label("zh")] = member.value
            table[member.label("en")] = member.value
        enums[name] = table
    categories: dict[str, str] = {}
    for code, zh in session.execute(select(CategoryRow.code, CategoryRow.name_zh)):
        categories[code] = code
        categories.setdefault(zh, code)
    units: dict[str, int] = {}
    facts: dict[int, _Unit] = {}
    for uid, code, path, area_code, level, kind in session.execute(
        select(UnitRow.id, UnitRow.code, UnitRow.path, UnitRow.area_code, UnitRow.level, UnitRow.kind)
    ):
        facts[uid] = _Unit(uid, path, area_code, level, kind)
        units[code] = uid
        if area_code:
            units.setdefault(area_code, uid)
    return Vocabulary(enums=enums, categories=categories, units=units), facts


def _case_columns(row: dict[str, Any], facts: Mapping[int, _Unit]) -> dict[str, Any] | str:
    """The case's columns, or what is wrong with its units."""
    area_id = row.pop("area")
    lead_id = row.pop("lead_unit")
    if area_id is not None:
        unit = facts[area_id]
        if unit.kind != "area" or not unit.area_code:
            return "area: not an area unit (a district, street, community or grid)"
        code = unit.area_code
        row.update(
            area_unit_id=unit.id,
            area_path=unit.path,
            district_code=code[:6],
            street_code=code[:9] if len(code) >= 9 else None,
            grid_code=code if unit.level == "grid" else None,
        )
    if lead_id is not None:
        row["lead_unit_id"] = lead_id
        row["lead_unit_path"] = facts[lead_id].path
    return row


def import_cases(
    uow: UnitOfWorkFactory,
    path: Path,
    spec: ImportSpec,
    *,
    now: datetime,
    by: str,
    dry_run: bool = False,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row of `path` and, unless a dry run or a row has a problem, load them all in one transaction."""
    fmt = file_format(path, spec.format)
    header, rows = read_rows(path, fmt=fmt, encoding=spec.encoding, sheet=spec.sheet, header_row=spec.header_row)
    missing = missing_columns(spec, header)
    if missing:
        raise InvalidInput(f"{path.name}: the mapped columns {', '.join(missing)} are not in the header")
    report = ImportReport(file_name=path.name, dry_run=dry_run)
    with uow() as work:
        session = work.session
        vocabulary, facts = _vocabulary(session)
        converter = RowConverter(spec, vocabulary)
        record = CaseImportRow(
            file_name=path.name[:255],
            sha256=_sha256(path),
            imported_by=by[:100],
            started_at=now,
            mapping={"columns": dict(spec.columns), "defaults": dict(spec.defaults)},
        )
        session.add(record)
        session.flush()
        report.import_id = record.id
        seen: set[str] = set()
        pending: list[tuple[int, dict[str, Any]]] = []

        def problem(p: RowProblem) -> None:
            report.problem_count += 1
            if len(report.problems) < MAX_LISTED:
                report.problems.append(p)

        def flush() -> None:
            numbers = [r["number"] for _, r in pending]
            taken = case_bulk.existing_numbers(session, numbers)
            for line, r in pending:
                if r["number"] in taken:
                    problem(RowProblem(line, spec.columns["number"], f"case {r['number']} already exists"))
            if not dry_run and report.ok:
                report.imported += case_bulk.insert_imported(session, [r for _, r in pending], import_id=record.id)
            pending.clear()

        for line, source in rows:
            report.rows += 1
            case, problems = converter.convert(line, source)
            if case is not None:
                number = case["number"]
                if number in seen:
                    problems = [
                        RowProblem(line, spec.columns["number"], f"case number {number} repeats an earlier row")
                    ]
                    case = None
                else:
                    seen.add(number)
            if case is not None:
                columns = _case_columns(case, facts)
                if isinstance(columns, str):
                    problems = [RowProblem(line, spec.columns.get("area", "area"), columns)]
                else:
                    report.valid += 1
                    pending.append((line, columns))
            for p in problems:
                problem(p)
            if len(pending) >= batch:
                flush()
            if progress is not None and report.rows % 1000 == 0:
                progress(1000)
        if pending:
            flush()
        if progress is not None:
            progress(report.rows % 1000)
        if dry_run or not report.ok or report.rows == 0:
            work.rollback()
            report.imported = 0
            report.import_id = None
            return report
        record.rows = report.imported
        record.finished_at = now
        work.commit()
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
