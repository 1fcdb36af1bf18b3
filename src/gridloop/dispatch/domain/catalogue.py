"""The dispatch catalogue as CSV: parse and validate as a whole (every problem by line), and write back.

Columns (English header; the Chinese aliases below are accepted and translated at this boundary):
category, subcategory, area_code, lead_unit, co_units (separated by ';'), principle, and one
``limit_<request type>`` column per request type (e.g. limit_complaint = 5wd).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence

from gridloop.dispatch.domain.routing import Principle, Rule
from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.sla import TimeLimit

REQUEST_TYPES: tuple[str, ...] = ("inquiry", "help", "complaint", "report", "suggestion", "praise")
BASE_COLUMNS: tuple[str, ...] = ("category", "subcategory", "area_code", "lead_unit", "co_units", "principle")
LIMIT_PREFIX = "limit_"

HEADER_ALIASES: dict[str, str] = {
    "类别": "category",
    "一级分类": "category",
    "子类": "subcategory",
    "二级分类": "subcategory",
    "区域代码": "area_code",
    "主办单位": "lead_unit",
    "协办单位": "co_units",
    "原则": "principle",
    "时限_咨询": "limit_inquiry",
    "时限_求助": "limit_help",
    "时限_投诉": "limit_complaint",
    "时限_举报": "limit_report",
    "时限_建议": "limit_suggestion",
    "时限_表扬": "limit_praise",
}
PRINCIPLE_ALIASES: dict[str, str] = {
    "属地": "locality_first",
    "事件": "locality_first",
    "属主": "owner_first",
    "部件": "owner_first",
}


def columns(request_types: Sequence[str] = REQUEST_TYPES) -> list[str]:
    """The CSV header gridloop writes."""
    return [*BASE_COLUMNS, *(LIMIT_PREFIX + rt for rt in request_types)]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad: list[FieldError] = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(FieldError(f"line {number}", "not valid UTF-8 (save the file as UTF-8, not GBK)"))
        raise InvalidInput("The catalogue file is not UTF-8; nothing was imported.", errors=bad) from None


def parse_catalogue_csv(
    data: bytes,
    *,
    known_units: Collection[str],
    known_categories: Collection[str],
    known_areas: Collection[str] | None = None,
    request_types: Sequence[str] = REQUEST_TYPES,
) -> list[Rule]:
    """Every rule of a CSV, or InvalidInput listing every problem by line number (nothing partial)."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[FieldError] = []
    try:
        header_raw = next(reader)
    except StopIteration:
        raise InvalidInput("The catalogue file is empty; nothing was imported.") from None
    header = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header_raw]
    required = columns(request_types)
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(FieldError("line 1", "missing columns: " + ", ".join(missing)))
        raise InvalidInput("The catalogue header is incomplete; nothing was imported.", errors=problems)
    rules: list[Rule] = []
    first_line: dict[tuple[str, str | None, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        rule, errs = _rule_from_row(
            values,
            line=line,
            units=known_units,
            categories=known_categories,
            areas=known_areas,
            request_types=request_types,
        )
        problems += errs
        if rule is not None:
            rules.append(rule)
        key = (values.get("category", ""), values.get("subcategory") or None, values.get("area_code", ""))
        if key[0] and key[2]:
            if key in first_line:
                problems.append(
                    FieldError(
                        f"line {line}",
                        f"overlaps line {first_line[key]}: same category, subcategory and area ({key[0]} × {key[2]})",
                    )
                )
            else:
                first_line[key] = line
    if not rules and not problems:
        problems.append(FieldError("line 2", "the catalogue has no rules"))
    if problems:
        problems.sort(key=lambda e: int(e.field.split()[-1]))
        raise InvalidInput(f"The catalogue has {len(problems)} problem(s); nothing was imported.", errors=problems)
    return rules


def _rule_from_row(
    values: dict[str, str],
    *,
    line: int,
    units: Collection[str],
    categories: Collection[str],
    areas: Collection[str] | None,
    request_types: Sequence[str],
) -> tuple[Rule | None, list[FieldError]]:
    where = f"line {line}"
    errs: list[FieldError] = []
    category = values.get("category", "")
    subcategory = values.get("subcategory") or None
    area = values.get("area_code", "")
    lead = values.get("lead_unit", "")
    co = tuple(c.strip() for c in values.get("co_units", "").replace("|", ";").split(";") if c.strip())
    if not category:
        errs.append(FieldError(where, "category is empty"))
    elif category not in categories:
        errs.append(FieldError(where, f"unknown category {category!r}"))
    if subcategory and subcategory not in categories:
        errs.append(FieldError(where, f"unknown subcategory {subcategory!r}"))
    if not area:
        errs.append(FieldError(where, "area_code is empty"))
    elif areas is not None and area not in areas:
        errs.append(FieldError(where, f"unknown area code {area!r}"))
    for code in (lead, *co):
        if not code:
            errs.append(FieldError(where, "lead_unit is empty"))
        elif code not in units:
            errs.append(FieldError(where, f"unknown unit {code!r}"))
    if lead and lead in co:
        errs.append(FieldError(where, f"unit {lead!r} is both lead and co-unit"))
    raw_principle = values.get("principle", "") or "locality_first"
    principle_value = PRINCIPLE_ALIASES.get(raw_principle, raw_principle)
    principle = Principle.LOCALITY_FIRST
    try:
        principle = Principle(principle_value)
    except ValueError:
        errs.append(FieldError(where, f"unknown principle {raw_principle!r} (locality_first or owner_first)"))
    limits: dict[str, TimeLimit] = {}
    for rt in request_types:
        raw = values.get(LIMIT_PREFIX + rt, "")
        if not raw:
            errs.append(FieldError(where, f"missing time limit for {rt}"))
            continue
        try:
            limits[rt] = TimeLimit.parse(raw)
        except InvalidInput as exc:
            errs.append(FieldError(where, f"{LIMIT_PREFIX}{rt}: {exc.detail}"))
    if errs:
        return None, errs
    rule = Rule(
        category=category,
        area_code=area,
        lead_unit=lead,
        limits=limits,
        subcategory=subcategory,
        co_units=co,
        principle=principle,
        line=line,
    )
    return rule, []


def write_catalogue_csv(rules: Iterable[Rule], *, request_types: Sequence[str] = REQUEST_TYPES) -> str:
    """The rules as CSV text (UTF-8, header first), the same format `parse_catalogue_csv` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(request_types))
    for r in sorted(rules, key=lambda r: (r.category, r.subcategory or "", r.area_code)):
        writer.writerow(
            [
                r.category,
                r.subcategory or "",
                r.area_code,
                r.lead_unit,
                ";".join(r.co_units),
                r.principle.value,
                *(str(r.limits[rt]) if rt in r.limits else "" for rt in request_types),
            ]
        )
    return out.getvalue()
