"""Exports of the case list: the cells of a row told in labels and local times (CSV and Excel share them), and the
Excel (.xlsx) file with Chinese headers (openpyxl, written row by row)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

from gridloop.cases.domain.lifecycle import RequestType, Status
from gridloop.cases.services import naming, queries
from gridloop.kernel.org import Actor
from gridloop.platform.spreadsheet import safe_cell
from gridloop.platform.web.i18n import t
from gridloop.platform.web.render import local_time

COLUMNS = (
    ("number", "field.number"),
    ("title", "field.title"),
    ("status", "field.status"),
    ("request_type", "field.request_type"),
    ("category", "field.category"),
    ("district_code", "field.district"),
    ("lead_unit_name", "field.lead_unit"),
    ("received_at", "field.received_at"),
    ("due_at", "field.due_at"),
    ("overdue", "field.overdue"),
    ("supervised", "field.supervised"),
)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers(lang: str) -> list[str]:
    """The header row in the page language."""
    return [t(key, lang) for _col, key in COLUMNS]


def labelled_rows(
    session: Any, batch: list[Any], actor: Actor, *, now: datetime, lang: str, tz: tzinfo
) -> list[list[Any]]:
    """Rows of cells as people read them: labels for codes, area names, local times, 是/否."""
    units = queries.unit_codes(session, batch)
    names = naming.code_names(session, {c.district_code for c in batch if c.district_code})
    yes, no = t("common.yes", lang), t("common.no", lang)
    rows = []
    for case in batch:
        d = queries.case_to_dict(case, actor, units=units, now=now, full=False)
        d["status"] = Status(d["status"]).label(lang)
        d["request_type"] = RequestType(d["request_type"]).label(lang)
        code = d.get("district_code")
        d["district_code"] = f"{names[code]}" if code in names else code
        for key in ("received_at", "due_at"):
            d[key] = local_time(d.get(key), tz=tz) if d.get(key) else ""
        for key in ("overdue", "supervised"):
            d[key] = yes if d.get(key) else no
        rows.append([safe_cell(d.get(col) if d.get(col) is not None else "") for col, _key in COLUMNS])
    return rows


def batches(session: Any, actor: Actor, f: Any, *, now: datetime, size: int = 1000) -> Iterator[list[Any]]:
    """The matching cases, a thousand at a time."""
    batch: list[Any] = []
    for case in queries.iter_cases(session, actor, f, now=now):
        batch.append(case)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def xlsx_bytes(head: list[str], rows: Iterable[list[Any]]) -> bytes:
    """An Excel workbook of one sheet (write-only: memory stays flat however many rows)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.freeze_panes = "A2"
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
