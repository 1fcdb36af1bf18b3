"""Patrol task rules: statuses, the checklist's shape, and limits (pure)."""

from __future__ import annotations

from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.org import Role


class TaskStatus(LabeledEnum):
    """A patrol task's state."""

    OPEN = ("open", "待巡查", "Open", "#0ea5e9")
    DONE = ("done", "已完成", "Done", "#22c55e")
    CANCELLED = ("cancelled", "已取消", "Cancelled", "#6b7280")


#: Who may assign patrol tasks (the street office's staff and administrators).
ASSIGNERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
MAX_ITEMS = 30
MAX_ROUTE_POINTS = 200


def parse_checklist(text: str) -> list[str]:
    """One checklist item per non-empty line, trimmed, at most MAX_ITEMS of ≤ 100 characters."""
    items = [line.strip()[:100] for line in text.splitlines() if line.strip()]
    return items[:MAX_ITEMS]


def all_checked(items: int, checked: set[int]) -> bool:
    """Whether every item of a checklist of `items` has a check-in."""
    return items > 0 and set(range(items)) <= checked
