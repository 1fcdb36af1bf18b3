"""Readers that turn KB files into records: CSV and JSONL with named columns, regulation files split by article."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.knowledge.adapters.lexical import Record

FORMATS = ("csv", "jsonl", "regulations")
_ARTICLE = re.compile(r"(?m)^(第[一二三四五六七八九十百千零〇]+条)")


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


def read_table(
    path: Path, *, fmt: str, id_col: str, title_col: str, body_col: str, unit_col: str | None = None
) -> list[Record]:
    """Records from a CSV or JSONL file with the given column names (an unknown column fails loudly)."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out: list[Record] = []
    wanted = {"--id-col": id_col, "--title-col": title_col, "--body-col": body_col}
    if unit_col:
        wanted["--unit-col"] = unit_col
    for n, row in enumerate(_rows(path, fmt), 1):
        missing = [FieldError(opt, f"no column {col!r}") for opt, col in wanted.items() if col not in row]
        if missing:
            raise InvalidInput(f"{path}: row {n} lacks a column", errors=missing)
        if not row[id_col].strip():
            raise InvalidInput(f"{path}: row {n} has an empty id in {id_col!r}")
        out.append(Record(row[id_col].strip(), row[title_col], row[body_col], row[unit_col] if unit_col else ""))
    return out


def split_articles(text: str) -> list[tuple[str, str]]:
    """(第N条, text) pairs of a regulation body in markdown (chapter headings dropped)."""
    parts = _ARTICLE.split(text)
    out = []
    for i in range(1, len(parts) - 1, 2):
        body = "\n".join(x for x in parts[i + 1].strip().splitlines() if not x.startswith("#")).strip()
        out.append((parts[i], body))
    return out


def read_regulations(path: Path) -> list[Record]:
    """One record per article of each regulation: id `doc_id#第N条`, title `标题 第N条`, unit the issuer."""
    out: list[Record] = []
    for row in _rows(path, "jsonl"):
        for number, body in split_articles(row.get("text", "")):
            title = f"{row['title']} {number}"
            out.append(Record(f"{row['doc_id']}#{number}", title, body, row.get("issuer", "")))
    return out
