"""Readers that turn KB files into import items: CSV and JSONL with named columns, regulations split by article."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

from gridloop.kernel.errors import FieldError, InvalidInput

FORMATS = ("csv", "jsonl", "regulations")
_ARTICLE = re.compile(r"(?m)^(第[一二三四五六七八九十百千零〇]+条)")
_NEVER = date(2100, 1, 1)  # sentinel expiry dates at or after this mean "no expiry" (Taipei uses 2100-10-21)


@dataclass(frozen=True)
class ImportItem:
    """One article as read from a file."""

    source_id: str
    title: str
    body: str
    unit: str = ""
    citation: str = ""
    effective_from: date | None = None
    expires_on: date | None = None


def _rows(path: Path, fmt: str) -> Iterator[dict[str, str]]:
    if fmt == "csv":
        csv.field_size_limit(sys.maxsize)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)
        return
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"{path}:{n}: not JSON ({exc.msg})") from None
                yield {k: "" if v is None else str(v) for k, v in obj.items()}


def _day(raw: str, *, where: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise InvalidInput(f"{where}: not a date {raw!r} (YYYY-MM-DD)") from None


def read_table(
    path: Path,
    *,
    fmt: str,
    id_col: str,
    title_col: str,
    body_col: str,
    unit_col: str | None = None,
    effective_col: str | None = None,
    expires_col: str | None = None,
) -> list[ImportItem]:
    """Items from a CSV or JSONL file with the given column names (an unknown column fails loudly)."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    wanted = {"--id-col": id_col, "--title-col": title_col, "--body-col": body_col}
    for opt, col in (("--unit-col", unit_col), ("--effective-col", effective_col), ("--expires-col", expires_col)):
        if col:
            wanted[opt] = col
    out: list[ImportItem] = []
    for n, row in enumerate(_rows(path, fmt), 1):
        missing = [FieldError(opt, f"no column {col!r}") for opt, col in wanted.items() if col not in row]
        if missing:
            raise InvalidInput(f"{path}: row {n} lacks a column", errors=missing)
        if not row[id_col].strip():
            raise InvalidInput(f"{path}: row {n} has an empty id in {id_col!r}")
        expires = _day(row[expires_col], where=f"{path}: row {n}") if expires_col else None
        out.append(
            ImportItem(
                row[id_col].strip(),
                row[title_col],
                row[body_col],
                row[unit_col] if unit_col else "",
                effective_from=_day(row[effective_col], where=f"{path}: row {n}") if effective_col else None,
                expires_on=None if expires is not None and expires >= _NEVER else expires,
            )
        )
    return out


def split_articles(text: str) -> list[tuple[str, str]]:
    """(第N条, text) pairs of a regulation body in markdown (chapter headings dropped)."""
    parts = _ARTICLE.split(text)
    out = []
    for i in range(1, len(parts) - 1, 2):
        body = "\n".join(x for x in parts[i + 1].strip().splitlines() if not x.startswith("#")).strip()
        out.append((parts[i], body))
    return out


def read_regulations(path: Path) -> list[ImportItem]:
    """One item per article of each regulation: id `doc_id#第N条`, title `标题 第N条`, citation `《标题》第N条`.

    A regulation in force from its `db_valid_from` (else `version_date`). When the file holds dated versions of one
    title, each older version expires the day before the next one starts (undated versions cannot be ordered).
    """
    rows = list(_rows(path, "jsonl"))
    starts = {
        row["doc_id"]: _day(row.get("db_valid_from", "") or row.get("version_date", ""), where=f"{path}: row {n}")
        for n, row in enumerate(rows, 1)
    }
    ends: dict[str, date] = {}
    by_title: dict[str, list[tuple[date, str]]] = {}
    for row in rows:
        start = starts[row["doc_id"]]
        if start is not None:
            by_title.setdefault(row["title"], []).append((start, row["doc_id"]))
    for dated in by_title.values():
        dated.sort()
        for (_, older), (newer_start, _) in pairwise(dated):
            ends[older] = newer_start - timedelta(days=1)
    out: list[ImportItem] = []
    for row in rows:
        for number, body in split_articles(row.get("text", "")):
            out.append(
                ImportItem(
                    f"{row['doc_id']}#{number}",
                    f"{row['title']} {number}",
                    body,
                    row.get("issuer", ""),
                    citation=f"《{row['title']}》{number}",
                    effective_from=starts[row["doc_id"]],
                    expires_on=ends.get(row["doc_id"]),
                )
            )
    return out
