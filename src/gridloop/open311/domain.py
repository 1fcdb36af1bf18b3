"""Open311 GeoReport v2 rules as data: the status table, service definitions, privacy, and the error format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
#: Statuses translated at the boundary: gridloop status → (Open311 status, status_notes zh, status_notes en).
STATUS_TABLE: dict[str, tuple[str, str, str]] = {
    "received": ("open", "已受理", "Received"),
    "dispatched": ("open", "已派单，待签收", "Dispatched to a unit"),
    "return_review": ("open", "退单审核中", "Return under review"),
    "coordinating": ("open", "三跨协调中", "Under coordination between units"),
    "signed": ("open", "承办单位已签收", "Accepted by the unit"),
    "in_progress": ("open", "办理中", "In progress"),
    "suspended": ("open", "挂账（待条件成熟后办理）", "Suspended until it can be handled"),
    "awaiting_review": ("open", "办结反馈待审核", "Reply under review"),
    "awaiting_callback": ("open", "待回访", "Awaiting callback"),
    "called_back": ("open", "已回访", "Called back"),
    "closed": ("closed", "已办结", "Closed"),
    "cancelled": ("closed", "已作废", "Cancelled"),
    "merged": ("closed", "已并入其他工单", "Merged into another request"),
}
OPEN311_STATUSES = ("open", "closed")
#: Coordinates are rounded to this many decimals (≈110 m) so a report never pins a home.
COORD_DECIMALS = 3
MAX_DESCRIPTION = 4000
MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 200
FORMATS = {"json": "application/json", "xml": "text/xml"}
#: The attributes every service's definition carries (gridloop categories have no per-category questions yet).
REQUEST_TYPES = (("complaint", "投诉 Complaint"), ("help", "求助 Help"), ("inquiry", "咨询 Inquiry"),
                 ("report", "举报 Report"), ("suggestion", "建议 Suggestion"), ("praise", "表扬 Praise"))  # fmt: skip


def gridloop_statuses(open311_status: str) -> list[str]:
    """Every gridloop status behind an Open311 status ('open' or 'closed')."""
    return [g for g, (o, _, _) in STATUS_TABLE.items() if o == open311_status]


def open311_status(status: str) -> tuple[str, str]:
    """(Open311 status, status notes) for a gridloop status."""
    o, zh, en = STATUS_TABLE[status]
    return o, f"{zh} / {en}"


def blur(value: float | None) -> float | None:
    """A coordinate rounded for publication (privacy)."""
    return None if value is None else round(value, COORD_DECIMALS)


def w3c(value: datetime | None) -> str | None:
    """A W3C datetime with timezone (UTC)."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_w3c(value: str) -> datetime:
    """A W3C/ISO 8601 datetime; a timezone is required (ValueError otherwise)."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    if parsed.tzinfo is None:
        raise ValueError("a timezone is required (e.g. 2026-01-01T00:00:00Z)")
    return parsed


@dataclass(frozen=True)
class Category:
    """A case category as the service list needs it."""

    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    kind: str


def service(category: Category) -> dict[str, Any]:
    """A service-list entry for a category (type realtime: the number is returned at once)."""
    return {
        "service_code": category.code,
        "service_name": category.name_zh,
        "description": f"{category.name_zh}（{category.name_en}）",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in (category.name_zh, category.name_en, category.kind) if k),
        "group": category.parent_code or category.kind,
    }


def attributes() -> list[dict[str, Any]]:
    """The attributes of every service definition (POSTed as attribute[code])."""
    return [
        {"variable": True, "code": "request_type", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "诉求类型 Type of request", "order": 1,
         "description": "诉求类型 What kind of request?",
         "values": [{"key": k, "name": n} for k, n in REQUEST_TYPES]},
        {"variable": True, "code": "title", "datatype": "string", "required": False,
         "datatype_description": "不超过100字 Up to 100 characters", "order": 2, "description": "标题 Short title"},
        {"variable": False, "code": "privacy", "datatype": "text", "required": False, "datatype_description": "",
         "order": 3, "description": "个人信息不公开，位置模糊到约100米。Personal data is never published; "
         "locations are rounded to about 100 m."},
    ]  # fmt: skip


def definition(code: str) -> dict[str, Any]:
    """A service definition: the code and its attributes."""
    return {"service_code": code, "attributes": attributes()}


def check_attributes(given: dict[str, list[str]]) -> list[tuple[int, str]]:
    """Errors (code, description) for unknown or invalid attribute values; empty when fine."""
    known = {a["code"]: a for a in attributes() if a["variable"]}
    errors: list[tuple[int, str]] = []
    for code, values in given.items():
        attr = known.get(code)
        if attr is None:
            errors.append((400, f"attribute[{code}] is not an attribute of this service"))
        elif attr["datatype"] == "singlevaluelist" and (
            len(values) != 1 or values[0] not in {v["key"] for v in attr["values"]}
        ):
            errors.append((400, f"attribute[{code}] must be one of {', '.join(v['key'] for v in attr['values'])}"))
    for code, attr in known.items():
        if attr["required"] and not given.get(code):
            errors.append((400, f"attribute[{code}] is required"))
    return errors


class Open311Error(Exception):
    """One or more errors in the spec's format, with the HTTP status to answer with."""

    def __init__(self, status: int, *errors: tuple[int, str]) -> None:
        super().__init__("; ".join(d for _, d in errors))
        self.status = status
        self.errors = list(errors)

    def body(self) -> list[dict[str, Any]]:
        """The spec's error list: [{"code": …, "description": …}]."""
        return [{"code": c, "description": d} for c, d in self.errors]
