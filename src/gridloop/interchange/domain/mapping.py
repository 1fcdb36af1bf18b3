"""A column-mapping file for importing a city's history, and the conversion of one source row into a case.

Pure rules: the spec is parsed and checked here (every problem named with its key), and each row is converted
into the fields of a case or a list of problems naming the row's column. The allowed values of enumerated fields
(statuses, channels …) and the known categories and units are given as data (`Vocabulary`), so this module needs
nothing but the standard library and the kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.text import clean_text

#: Fields a mapping may fill: name → (kind, required, max length). Kinds: text, time, enum, category, unit.
FIELDS: dict[str, tuple[str, bool, int]] = {
    "number": ("text", True, 32),
    "title": ("text", False, 200),
    "text": ("text", False, 20000),
    "received_at": ("time", True, 0),
    "channel": ("enum", False, 0),
    "request_type": ("enum", False, 0),
    "urgency": ("enum", False, 0),
    "status": ("enum", False, 0),
    "satisfaction": ("enum", False, 0),
    "category": ("category", False, 64),
    "area": ("unit", False, 0),
    "lead_unit": ("unit", False, 0),
    "address": ("text", False, 500),
    "reporter_name": ("text", False, 100),
    "reporter_phone": ("text", False, 32),
    "dispatched_at": ("time", False, 0),
    "replied_at": ("time", False, 0),
    "closed_at": ("time", False, 0),
    "reply_text": ("text", False, 20000),
}
#: Defaults when neither a column nor `defaults` gives a value.
BUILTIN_DEFAULTS = {"channel": "phone", "request_type": "complaint", "urgency": "normal", "status": "closed"}
#: Statuses after which a case has a closing time (taken from replied_at or received_at when not given).
FINISHED = frozenset({"closed", "cancelled", "merged"})
DEFAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d")
_CLEANED = frozenset({"title", "text", "reply_text", "address"})
_SPEC_KEYS = {
    "format",
    "encoding",
    "sheet",
    "timezone",
    "time_formats",
    "columns",
    "defaults",
    "values",
    "number_prefix",
    "header_row",
}


@dataclass(frozen=True)
class ImportSpec:
    """A parsed column-mapping file (docs/interchange.md has the format)."""

    columns: Mapping[str, str]
    defaults: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    timezone: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    time_formats: tuple[str, ...] = DEFAULT_TIME_FORMATS
    number_prefix: str = ""
    format: str | None = None  # csv | xlsx; None: from the file's extension
    encoding: str = "utf-8-sig"
    sheet: str | None = None
    header_row: int = 1


@dataclass(frozen=True)
class Vocabulary:
    """What values the target accepts: per enumerated field, source word (code or Chinese label) → code; the
    known category codes and labels; units by code (and by area code) → unit key."""

    enums: Mapping[str, Mapping[str, str]]
    categories: Mapping[str, str]
    units: Mapping[str, int]


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one source row: its 1-based line (the header is line `header_row`), the source
    column (or the field when no column), and what is wrong."""

    row: int
    column: str
    message: str


def parse_spec(data: Any) -> ImportSpec:
    """The spec a mapping file's parsed YAML/JSON describes, or InvalidInput naming every bad key."""
    if not isinstance(data, dict):
        raise InvalidInput("the mapping file must be a mapping (a YAML or JSON object)")
    problems: list[FieldError] = []
    for key in sorted(set(data) - _SPEC_KEYS):
        problems.append(FieldError(key, f"unknown key; allowed: {', '.join(sorted(_SPEC_KEYS))}"))
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        problems.append(FieldError("columns", "give the source column for each field, e.g. number: 留言编号"))
        columns = {}
    for name, source in columns.items():
        if name not in FIELDS:
            problems.append(FieldError(f"columns.{name}", f"unknown field; fields: {', '.join(FIELDS)}"))
        elif not isinstance(source, str) or not source.strip():
            problems.append(FieldError(f"columns.{name}", "the source column must be a header name"))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(FieldError("defaults", "must be a mapping field → value"))
        defaults = {}
    for name in defaults:
        if name not in FIELDS or FIELDS[name][0] == "time" or name == "number":
            problems.append(FieldError(f"defaults.{name}", "no default can be given for this field"))
    for name, (_, required, _n) in FIELDS.items():
        if required and name not in columns:
            problems.append(FieldError(f"columns.{name}", "this field is required"))
    if "title" not in columns and "text" not in columns:
        problems.append(FieldError("columns.text", "map at least one of title and text"))
    values = data.get("values") or {}
    if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
        problems.append(FieldError("values", "must be field → {source value: code}"))
        values = {}
    for name in values:
        if name not in FIELDS or FIELDS[name][0] not in ("enum", "category", "unit"):
            problems.append(FieldError(f"values.{name}", "value tables apply to enumerated fields, category and units"))
    tz: tzinfo = ZoneInfo("Asia/Shanghai")
    try:
        tz = ZoneInfo(str(data.get("timezone") or "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(FieldError("timezone", "unknown time zone (an IANA name such as Asia/Shanghai)"))
    formats = data.get("time_formats") or list(DEFAULT_TIME_FORMATS)
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        problems.append(FieldError("time_formats", "a list of strptime formats, e.g. '%Y-%m-%d %H:%M:%S'"))
        formats = list(DEFAULT_TIME_FORMATS)
    fmt = data.get("format")
    if fmt is not None and fmt not in ("csv", "xlsx"):
        problems.append(FieldError("format", "csv or xlsx"))
    prefix = data.get("number_prefix") or ""
    if not isinstance(prefix, str) or len(prefix) > 8 or not prefix.isascii() or not prefix.replace("-", "").isalnum():
        problems.append(FieldError("number_prefix", "up to 8 ASCII letters or digits"))
        prefix = ""
    header_row = data.get("header_row", 1)
    if not isinstance(header_row, int) or not 1 <= header_row <= 100:
        problems.append(FieldError("header_row", "a line number from 1 to 100"))
        header_row = 1
    if problems:
        raise InvalidInput("the mapping file has problems; see errors[]", errors=problems)
    return ImportSpec(
        columns={k: str(v) for k, v in columns.items()},
        defaults={k: str(v) for k, v in defaults.items()},
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
        timezone=tz,
        time_formats=tuple(formats),
        number_prefix=prefix,
        format=fmt,
        encoding=str(data.get("encoding") or "utf-8-sig"),
        sheet=data.get("sheet"),
        header_row=header_row,
    )


def missing_columns(spec: ImportSpec, header: list[str]) -> list[str]:
    """The mapped source columns the file's header does not have."""
    have = set(header)
    return [source for source in spec.columns.values() if source not in have]


class RowConverter:
    """Turns source rows (header → cell) into case fields, or problems; one per import (it keeps no rows)."""

    def __init__(self, spec: ImportSpec, vocabulary: Vocabulary) -> None:
        self.spec = spec
        self.vocab = vocabulary
        self._time_cache: dict[str, datetime | None] = {}

    def convert(self, line: int, row: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[RowProblem]]:
        """The case fields of one row (codes, aware UTC-comparable times, unit keys), or its problems."""
        spec = self.spec
        out: dict[str, Any] = {}
        problems: list[RowProblem] = []
        for name, (kind, required, max_len) in FIELDS.items():
            source = spec.columns.get(name)
            raw = row.get(source) if source is not None else None
            if isinstance(raw, str):
                raw = raw.strip()
            if raw is None or raw == "":
                raw = spec.defaults.get(name, BUILTIN_DEFAULTS.get(name))
                if raw is None:
                    if required:
                        problems.append(RowProblem(line, source or name, "empty; this field is required"))
                    out[name] = None
                    continue
            col = source or name
            if kind == "time":
                when = self._time(raw)
                if when is None:
                    problems.append(RowProblem(line, col, f"not a time: {str(raw)[:40]!r}"))
                out[name] = when
                continue
            value = str(raw) if not isinstance(raw, float) or not raw.is_integer() else str(int(raw))
            table = spec.values.get(name)
            if table is not None and value in table:
                value = table[value]
            if kind == "text":
                value = clean_text(value, max_chars=max_len + 1) if name in _CLEANED else value
                if len(value) > max_len:
                    if name in ("title", "address"):
                        value = value[: max_len - 1] + "…"
                    else:
                        problems.append(RowProblem(line, col, f"longer than {max_len} characters"))
                out[name] = value
            elif kind == "enum":
                code = self.vocab.enums[name].get(value)
                if code is None:
                    allowed = _allowed(self.vocab.enums[name])
                    problems.append(RowProblem(line, col, f"unknown value {value[:40]!r}; allowed: {allowed}"))
                out[name] = code
            elif kind == "category":
                code = self.vocab.categories.get(value)
                if code is None:
                    problems.append(RowProblem(line, col, f"unknown category {value[:40]!r}"))
                out[name] = code
            else:
                unit = self.vocab.units.get(value)
                if unit is None:
                    problems.append(RowProblem(line, col, f"unknown unit code {value[:40]!r}"))
                out[name] = unit
        if not problems:
            problems.extend(self._consistency(line, out))
        if out.get("number") is not None:
            out["number"] = f"{spec.number_prefix}{out['number']}"
            if len(out["number"]) > 32:
                problems.append(RowProblem(line, spec.columns["number"], "the case number is longer than 32"))
        return (None if problems else out), problems

    def _consistency(self, line: int, out: dict[str, Any]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        received = out["received_at"]
        for name in ("dispatched_at", "replied_at", "closed_at"):
            later = out.get(name)
            if later is not None and later < received:
                problems.append(RowProblem(line, self.spec.columns.get(name, name), "earlier than the receiving time"))
        if not out.get("title") and not out.get("text"):
            problems.append(RowProblem(line, self.spec.columns.get("text", "text"), "neither a title nor a text"))
        if out["status"] in FINISHED and out.get("closed_at") is None:
            out["closed_at"] = out.get("replied_at") or received
        if out["status"] not in FINISHED:
            out["closed_at"] = None
        return problems

    def _time(self, raw: Any) -> datetime | None:
        if isinstance(raw, datetime):
            return raw if raw.tzinfo else raw.replace(tzinfo=self.spec.timezone)
        text = str(raw).strip()
        if text in self._time_cache:
            return self._time_cache[text]
        when: datetime | None = None
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            for fmt in self.spec.time_formats:
                try:
                    when = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=self.spec.timezone)
        if len(self._time_cache) < 200_000:
            self._time_cache[text] = when
        return when


def _allowed(table: Mapping[str, str]) -> str:
    """'closed/已办结, …': each code with its Chinese word, for a problem message."""
    words: dict[str, str] = {}
    for word, code in table.items():
        if not word.isascii():
            words.setdefault(code, word)
    return ", ".join(f"{code}/{words[code]}" if code in words else code for code in sorted(set(table.values())))
