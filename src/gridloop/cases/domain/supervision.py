"""Supervision (督办) rules: the step a case is on, whether it is due soon or overdue, how far up to press.

* The timed step follows the status: dispatched → sign, signed → first contact, in progress → reply,
  return under review → the dispatcher's review (counted like signing), coordinating → the coordination.
* *Due soon* from `due_soon_hours` before the deadline: a reminder (催办) to the lead unit, no record.
* *Overdue*: a 督办 record at level 1, addressed to the unit one level above the lead unit; when the
  overdue grows past each threshold in `overdue_work_days` the level rises and the next unit up is
  addressed (通报).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.sla import SHANGHAI, WorkCalendar, extend_due

STEP_OF_STATUS: dict[str, str] = {
    "dispatched": "sign",
    "return_review": "return_review",
    "signed": "contact",
    "in_progress": "reply",
    "coordinating": "coordinate",
}
TIMED_STATUSES: tuple[str, ...] = tuple(STEP_OF_STATUS)


class SlaFlag(LabeledEnum):
    """The time state of a case's current step."""

    ON_TIME = ("on_time", "正常", "On time", "#22c55e")
    DUE_SOON = ("due_soon", "即将超时", "Due soon", "#f59e0b")
    OVERDUE = ("overdue", "已超时", "Overdue", "#dc2626")


@dataclass(frozen=True)
class EscalationPolicy:
    """When to remind and when to escalate; level k is reached after `overdue_work_days[k-1]` working days."""

    due_soon_hours: int = 24
    overdue_work_days: tuple[int, ...] = (0, 2, 5)

    @classmethod
    def parse(cls, text: str, *, due_soon_hours: int = 24) -> EscalationPolicy:
        """Levels from text like "0,2,5" (working days overdue at which levels 1, 2, 3 start)."""
        days = tuple(int(p) for p in text.split(",") if p.strip())
        if not days or list(days) != sorted(set(days)) or days[0] < 0:
            raise ValueError("escalation levels must be increasing whole numbers of working days, e.g. 0,2,5")
        return cls(due_soon_hours=due_soon_hours, overdue_work_days=days)


@dataclass(frozen=True)
class Assessment:
    """The verdict of one tick for one case: its flag, supervision level and when to look again."""

    flag: SlaFlag
    level: int
    next_check_at: datetime | None


def level_threshold(
    due: datetime, level: int, *, policy: EscalationPolicy, calendar: WorkCalendar, tz: str
) -> datetime:
    """The instant after which a case due at `due` reaches supervision `level` (≥ 1)."""
    days = policy.overdue_work_days[level - 1]
    return due if days == 0 else extend_due(due, work_days=days, calendar=calendar, tz=tz)


def assess(
    due: datetime, now: datetime, *, policy: EscalationPolicy, calendar: WorkCalendar, tz: str = SHANGHAI
) -> Assessment:
    """Flag and level of a step due at `due`, seen at `now`, with the next instant the verdict can change."""
    soon = due - timedelta(hours=policy.due_soon_hours)
    if now < soon:
        return Assessment(SlaFlag.ON_TIME, 0, soon)
    if now <= due:
        return Assessment(SlaFlag.DUE_SOON, 0, due + timedelta(seconds=1))
    level = 0
    next_at: datetime | None = None
    for k in range(1, len(policy.overdue_work_days) + 1):
        threshold = level_threshold(due, k, policy=policy, calendar=calendar, tz=tz)
        if now > threshold:
            level = k
        else:
            next_at = threshold + timedelta(seconds=1)
            break
    return Assessment(SlaFlag.OVERDUE, max(level, 1), next_at)


def addressed_ancestor(path_ids: list[int], level: int) -> int | None:
    """The unit `level` steps above the last id of a unit path (capped at the root); None without parents."""
    ancestors = path_ids[:-1]
    if not ancestors:
        return None
    return ancestors[max(len(ancestors) - level, 0)]


def path_ids(path: str) -> list[int]:
    """Ids of a materialised path '/1/5/23/'."""
    return [int(p) for p in path.strip("/").split("/") if p]
