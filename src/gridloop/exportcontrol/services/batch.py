"""Batch screening of a CSV of shipments: one flat row per shipment → one stored screening → one JSONL line.

Columns are translated by a literal table (English or Chinese headers); an unknown column stops the batch
before anything is screened. A bad row is reported on its own line and the batch goes on.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gridloop.exportcontrol.domain.workdays import WorkCalendar
from gridloop.exportcontrol.services.screening import load_context, screen_row, with_id
from gridloop.exportcontrol.tables import ExportScreeningRow
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.db.uow import UnitOfWorkFactory

#: CSV column → path in the case JSON.
COLUMNS: dict[str, str] = {
    "reference": "reference",
    "export_date": "export_date",
    "exporter_name": "exporter.name",
    "exporter_is_chinese": "exporter.is_chinese_person_or_in_china",
    "exporter_country": "exporter.country",
    "destination_country": "destination_country",
    "item_description": "item.description",
    "annex_category": "item.annex_category",
    "control_code": "item.control_code",
    "item_value": "item.value",
    "currency": "item.currency",
    "china_part1_value": "bom",
    "bom_json": "bom",
    "bom_complete": "bom_complete",
    "uses_china_re_tech": "production_tech_origin.uses_china_origin_re_tech",
    "tech_stage": "production_tech_origin.tech_stage",
    "is_china_origin_item": "is_china_origin_item",
    "end_user_name": "end_user.name",
    "end_user_is_military": "end_user.is_military",
    "parent_chain": "end_user.parent_chain",
    "end_use": "end_use",
    "technology_code": "technology.control_code",
    "knowingly_supports": "technology.knowingly_supports_foreign_re_activity",
}
BOOLEAN_COLUMNS = {"exporter_is_chinese", "bom_complete", "uses_china_re_tech", "is_china_origin_item",
                   "end_user_is_military", "knowingly_supports"}  # fmt: skip
TRUE = {"true", "yes", "y", "1", "是"}
FALSE = {"false", "no", "n", "0", "否"}
COMMIT_EVERY = 200


def _bool(text: str, column: str) -> bool | None:
    value = text.strip().casefold()
    if not value or value in {"unknown", "不明"}:
        return None
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidInput(f"{column}: {text!r} is not true/false (or blank for unknown)")


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def row_to_case(row: dict[str, str]) -> dict[str, Any]:
    """The case JSON of one CSV row (blank cells are unknown facts, left out)."""
    case: dict[str, Any] = {}
    for column, raw in row.items():
        text = (raw or "").strip()
        if not text:
            continue
        if column in BOOLEAN_COLUMNS:
            _put(case, COLUMNS[column], _bool(text, column))
        elif column == "china_part1_value":
            case.setdefault("bom", []).append(
                {"material": "China-origin Annex 1 Part 1 content (declared total)", "is_annex_part1": True,
                 "china_origin": True, "value": text}
            )  # fmt: skip
        elif column == "bom_json":
            try:
                case.setdefault("bom", []).extend(json.loads(text))
            except (json.JSONDecodeError, TypeError):
                raise InvalidInput("bom_json: not a JSON list of BOM lines") from None
        elif column == "parent_chain":
            case.setdefault("end_user", {})["parent_chain"] = [_owner(part) for part in text.split(";") if part]
        elif column == "end_use":
            case["end_use"] = [u.strip() for u in text.split("|") if u.strip()]
        else:
            _put(case, COLUMNS[column], text)
    return case


def _owner(text: str) -> dict[str, Any]:
    name, _, pct = text.rpartition(":")
    if not name:
        return {"name": pct.strip(), "ownership_pct": None}
    return {"name": name.strip(), "ownership_pct": pct.strip() or None}


@dataclass
class BatchSummary:
    """Counts of one batch run."""

    batch_id: str
    rows: int = 0
    screened: int = 0
    invalid: int = 0
    licence_required: Counter[str] = field(default_factory=Counter)
    conditional: int = 0
    by_regime: Counter[str] = field(default_factory=Counter)

    def count(self, answer: dict[str, Any]) -> None:
        """Add one screened answer to the counts."""
        self.screened += 1
        self.licence_required[{True: "yes", False: "no", None: "undetermined"}[answer["licence_required_any"]]] += 1
        self.conditional += bool(answer["conditional"])
        for regime in answer["regimes"]:
            if regime["licence_required"]:
                self.by_regime[regime["regime"]] += 1

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON and the CLI."""
        return {
            "batch_id": self.batch_id,
            "rows": self.rows,
            "screened": self.screened,
            "invalid": self.invalid,
            "licence_required": dict(self.licence_required),
            "conditional": self.conditional,
            "licence_required_by_regime": dict(self.by_regime),
            "disclaimer": {"en": "Advisory, not legal advice.", "zh": "仅供参考，不构成法律意见。"},
        }


def read_rows(text: str) -> Iterator[dict[str, str]]:
    """CSV rows, after checking every column is known."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in headers if h not in COLUMNS]
    if unknown or "export_date" not in headers:
        raise InvalidInput(
            f"Shipment CSV: unknown columns {', '.join(unknown) or '(none)'}; export_date is required; "
            f"allowed: {', '.join(COLUMNS)}"
        )
    for raw in reader:
        yield {k.strip(): v for k, v in raw.items() if k is not None}


def run_batch(
    uow_factory: UnitOfWorkFactory,
    text: str,
    *,
    now: datetime,
    by: str,
    calendar: WorkCalendar,
    calendar_name: str,
    emit: Callable[[dict[str, Any]], None],
) -> BatchSummary:
    """Screen every row of the shipment CSV, store each screening, emit one result per row, return the summary.

    Rows are flushed and committed in chunks of COMMIT_EVERY (one multi-row insert each); results are emitted in
    row order once their chunk is stored, so every emitted answer carries its screening id.
    """
    summary = BatchSummary(batch_id=uuid.uuid4().hex[:12])
    rows = read_rows(text)
    with uow_factory() as uow:
        context = load_context(uow.session, calendar=calendar, calendar_name=calendar_name)
        pending: list[tuple[int, ExportScreeningRow | None, dict[str, Any]]] = []

        def store() -> None:
            uow.session.flush()
            uow.commit()
            for line, row, body in pending:
                emit(
                    {"line": line, "error": body["error"], "errors": body["errors"], "reference": body["reference"]}
                    if row is None
                    else {"line": line, "reference": body["reference"], **with_id(row, body)}
                )
            pending.clear()

        for line, raw in enumerate(rows, start=2):
            summary.rows += 1
            try:
                row, body = screen_row(
                    uow.session,
                    row_to_case(raw),
                    now=now,
                    by=by,
                    source="batch",
                    context=context,
                    batch_id=summary.batch_id,
                )
            except InvalidInput as exc:
                summary.invalid += 1
                errors = [{"field": e.field, "message": e.message} for e in exc.errors]
                pending.append(
                    (line, None, {"error": exc.detail, "errors": errors, "reference": raw.get("reference", "")})
                )
                continue
            summary.count(body)
            pending.append((line, row, body))
            if len(pending) >= COMMIT_EVERY:
                store()
        store()
    return summary
