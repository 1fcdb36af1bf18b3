"""Legal time limits in CALENDAR days (日), as data an administrator can override; each row cites its source.

Basis: [S] stated in the 信访工作条例 (2022-05-01) as read in shared/reference/participation.md §1;
[I] our inference / local default, to be confirmed by the city. Article numbers are not quoted here on purpose:
the reference does not give them, and the docs (docs/petitions.md) mark them "to verify".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class TimeLimit:
    """One time limit: how many calendar days from which event, and where the number comes from."""

    key: str
    days: int
    starts_at: str
    zh: str
    en: str
    basis: str
    citation: str


_REG = "信访工作条例 (2022-05-01), see shared/reference/participation.md §1"
_COORD = "local default for the 涉法涉诉 coordination mechanism (reference §1 [P] gives no number)"

DEFAULT_LIMITS: dict[str, TimeLimit] = {
    t.key: t
    for t in (
        TimeLimit("acceptance", 15, "received", "受理告知", "Decide on acceptance and tell the petitioner",
                  "S", f"{_REG}: within 15 days of receipt"),
        TimeLimit("handling", 60, "accepted", "办理答复", "Handle and answer in writing",
                  "S", f"{_REG}: within 60 days of acceptance"),
        TimeLimit("extension", 30, "handling_due", "延长办理", "Extension of handling (at most, with approval)",
                  "S", f"{_REG}: complex matters extended by at most 30 days, petitioner told why"),
        TimeLimit("review_request", 30, "answered", "申请复查", "Window to ask for review (复查)",
                  "S", f"{_REG}: within 30 days of the written answer"),
        TimeLimit("review_decision", 30, "review_requested", "复查意见", "Review opinion due",
                  "S", f"{_REG}: within 30 days of the request"),
        TimeLimit("rereview_request", 30, "reviewed", "申请复核", "Window to ask for re-review (复核)",
                  "S", f"{_REG}: within 30 days of the review opinion"),
        TimeLimit("rereview_decision", 30, "rereview_requested", "复核意见", "Re-review opinion due",
                  "S", f"{_REG}: within 30 days of the request"),
        TimeLimit("coord_acknowledge", 5, "transferred", "签收", "Political-legal unit acknowledges a transfer",
                  "I", _COORD),
        TimeLimit("coord_result", 60, "acknowledged", "反馈结果", "Political-legal unit returns its result",
                  "I", _COORD),
        TimeLimit("coord_feedback", 10, "result", "告知信访人", "Petition office tells the petitioner the result",
                  "I", _COORD),
    )
}  # fmt: skip


def limits_with(overrides: Mapping[str, int] | None = None) -> dict[str, TimeLimit]:
    """The default limits with an administrator's day counts applied (unknown keys fail loudly)."""
    limits = dict(DEFAULT_LIMITS)
    for key, days in (overrides or {}).items():
        if key not in limits:
            raise ValueError(f"unknown time limit {key!r}; known: {', '.join(limits)}")
        if days < 0:
            raise ValueError(f"time limit {key!r} must not be negative")
        limits[key] = replace(limits[key], days=days, basis=limits[key].basis + "+override")
    return limits


def due_after(start: datetime, days: int, *, tz: tzinfo) -> datetime:
    """End of the N-th calendar day after `start`'s local day (the start day is not counted), as an aware time.

    Calendar days, unlike the hotline's working days: weekends and holidays count. Reading that the first day
    is not counted follows the Civil Code's rule on periods (民法典 第二百零一条) — an interpretation [I].
    """
    local_day: date = start.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(local_day, time(23, 59, 59), tzinfo=tz)


def within(deadline: datetime, when: datetime) -> bool:
    """Whether `when` is on or before `deadline`."""
    return when <= deadline
