"""Incidents (突发事件): types, grades I–IV, the command level each grade calls for, tasks, the 四早 KPIs.

Tables, not branches: `COMMAND_LEVEL[grade]` says who commands (Ⅳ 村居 → Ⅰ 市), `TASK_TRANSITIONS` how a task
moves, `INCIDENT_TRANSITIONS` how an incident does, and `ESCALATION_CHAIN` where an unacknowledged task goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridloop.kernel.errors import Conflict, InvalidInput
from gridloop.kernel.labels import LabeledEnum


class IncidentType(LabeledEnum):
    """The four kinds of 突发事件 of the Emergency Response Law."""

    NATURAL = ("natural_disaster", "自然灾害", "Natural disaster")
    ACCIDENT = ("accident", "事故灾难", "Accident")
    PUBLIC_HEALTH = ("public_health", "公共卫生事件", "Public health event")
    SOCIAL_SAFETY = ("social_safety", "社会安全事件", "Social safety event")


class Grade(LabeledEnum):
    """Incident grades, Ⅰ the most severe (colours as the warning levels)."""

    I = ("I", "Ⅰ级（特别重大）", "Grade I (extremely serious)", "#d7191c")  # noqa: E741
    II = ("II", "Ⅱ级（重大）", "Grade II (serious)", "#fd8d3c")
    III = ("III", "Ⅲ级（较大）", "Grade III (major)", "#ffd700")
    IV = ("IV", "Ⅳ级（一般）", "Grade IV (general)", "#2b83ba")


#: Who commands an incident of each grade (`kernel.org.Level` values): 村居 → 街镇 → 区 → 市.
COMMAND_LEVEL: dict[Grade, str] = {Grade.IV: "community", Grade.III: "street", Grade.II: "district", Grade.I: "city"}
#: The levels an unacknowledged task climbs, bottom to top.
ESCALATION_CHAIN: tuple[str, ...] = ("community", "street", "district", "city")
#: A warning's level (1 red … 4 blue) → the grade an incident opened from it starts with.
GRADE_OF_WARNING_LEVEL: dict[int, Grade] = {1: Grade.I, 2: Grade.II, 3: Grade.III, 4: Grade.IV}


def command_level(grade: Grade) -> str:
    """The level that commands an incident of this grade."""
    return COMMAND_LEVEL[grade]


def escalated_level(current: str, steps: int) -> str:
    """The level `steps` above `current` on the escalation chain (the city at most)."""
    if current not in ESCALATION_CHAIN:
        raise InvalidInput(f"unknown command level '{current}'")
    return ESCALATION_CHAIN[min(len(ESCALATION_CHAIN) - 1, ESCALATION_CHAIN.index(current) + steps)]


class IncidentStatus(LabeledEnum):
    """Where an incident is."""

    RESPONDING = ("responding", "处置中", "Responding", "#ef4444")
    CLOSED = ("closed", "应急结束", "Closed", "#22c55e")
    REVIEWED = ("reviewed", "已复盘", "Reviewed", "#6b7280")


class IncidentAction(LabeledEnum):
    """What the command post does to an incident."""

    REGRADE = ("regrade", "调整级别", "Change grade")
    COMMANDER = ("commander", "指定指挥", "Set commander and sections")
    MARK = ("mark", "记录四早时间", "Record a 四早 time")
    NOTE = ("note", "记录", "Note")
    CLOSE = ("close", "应急结束", "Close")
    REVIEW = ("review", "复盘总结", "After-action review")


IS, IA = IncidentStatus, IncidentAction
INCIDENT_TRANSITIONS: dict[tuple[IncidentStatus, IncidentAction], IncidentStatus] = {
    (IS.RESPONDING, IA.REGRADE): IS.RESPONDING,
    (IS.RESPONDING, IA.COMMANDER): IS.RESPONDING,
    (IS.RESPONDING, IA.MARK): IS.RESPONDING,
    (IS.RESPONDING, IA.NOTE): IS.RESPONDING,
    (IS.RESPONDING, IA.CLOSE): IS.CLOSED,
    (IS.CLOSED, IA.NOTE): IS.CLOSED,
    (IS.CLOSED, IA.REVIEW): IS.REVIEWED,
}


def next_incident_status(current: IncidentStatus, action: IncidentAction) -> IncidentStatus:
    """The status after an action, or Conflict naming what is allowed."""
    try:
        return INCIDENT_TRANSITIONS[(current, action)]
    except KeyError:
        allowed = ", ".join(a.value for (s, a) in INCIDENT_TRANSITIONS if s is current) or "none"
        raise Conflict(
            f"'{action.value}' is not allowed when the incident is '{current.value}'. Allowed: {allowed}."
        ) from None


class TaskStatus(LabeledEnum):
    """Where a task given to a unit or a team is."""

    ASSIGNED = ("assigned", "已派发", "Assigned", "#0ea5e9")
    ACKNOWLEDGED = ("acknowledged", "已签收", "Acknowledged", "#6366f1")
    ON_SITE = ("on_site", "处置中", "On site", "#f59e0b")
    DONE = ("done", "已完成", "Done", "#22c55e")
    CANCELLED = ("cancelled", "已撤回", "Cancelled", "#6b7280")


class TaskAction(LabeledEnum):
    """What happens to a task."""

    ACKNOWLEDGE = ("acknowledge", "签收", "Acknowledge")
    ARRIVE = ("arrive", "到场处置", "Arrive on site")
    FINISH = ("finish", "完成", "Finish")
    CANCEL = ("cancel", "撤回", "Cancel")


TS, TA = TaskStatus, TaskAction
TASK_TRANSITIONS: dict[tuple[TaskStatus, TaskAction], TaskStatus] = {
    (TS.ASSIGNED, TA.ACKNOWLEDGE): TS.ACKNOWLEDGED,
    (TS.ASSIGNED, TA.CANCEL): TS.CANCELLED,
    (TS.ACKNOWLEDGED, TA.ARRIVE): TS.ON_SITE,
    (TS.ACKNOWLEDGED, TA.CANCEL): TS.CANCELLED,
    (TS.ON_SITE, TA.FINISH): TS.DONE,
    (TS.ON_SITE, TA.CANCEL): TS.CANCELLED,
}
OPEN_TASK: frozenset[TaskStatus] = frozenset({TS.ASSIGNED, TS.ACKNOWLEDGED, TS.ON_SITE})


def next_task_status(current: TaskStatus, action: TaskAction) -> TaskStatus:
    """The task's status after an action, or Conflict naming what is allowed."""
    try:
        return TASK_TRANSITIONS[(current, action)]
    except KeyError:
        allowed = ", ".join(a.value for (s, a) in TASK_TRANSITIONS if s is current) or "none"
        raise Conflict(
            f"'{action.value}' is not allowed when the task is '{current.value}'. Allowed: {allowed}."
        ) from None


# --- 四早: 早发现、早报告、早预警、早处置 ---------------------------------------------------------------------
#: The four times (field, Chinese word), in order.
FOUR_EARLY: tuple[tuple[str, str], ...] = (
    ("found_at", "发现"),
    ("reported_at", "报告"),
    ("warned_at", "预警"),
    ("handled_at", "处置"),
)
#: The durations measured, in minutes: (name, from field, to field, Chinese label).
FOUR_EARLY_DURATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("report_minutes", "found_at", "reported_at", "发现→报告"),
    ("warn_minutes", "found_at", "warned_at", "发现→预警"),
    ("handle_minutes", "found_at", "handled_at", "发现→处置"),
)


@dataclass(frozen=True)
class FourEarly:
    """The four times of one incident (any may still be missing)."""

    found_at: datetime
    reported_at: datetime | None = None
    warned_at: datetime | None = None
    handled_at: datetime | None = None

    def durations(self) -> dict[str, float | None]:
        """Minutes from discovery to each later time (None while a time is missing)."""
        out: dict[str, float | None] = {}
        for name, start, end, _ in FOUR_EARLY_DURATIONS:
            a, b = getattr(self, start), getattr(self, end)
            out[name] = None if a is None or b is None else round((b - a).total_seconds() / 60, 1)
        return out


def check_mark(times: FourEarly, field_name: str, at: datetime) -> None:
    """A 四早 time is one of the four, aware, and not before the discovery."""
    names = [f for f, _ in FOUR_EARLY]
    if field_name not in names[1:]:
        raise InvalidInput(f"the time to record is one of {', '.join(names[1:])}")
    if at.tzinfo is None:
        raise InvalidInput("times carry a time zone")
    if at < times.found_at:
        raise InvalidInput(f"{field_name} cannot be before found_at")


#: A 12345 report flagged as an emergency joins a responding incident of the same type in the same street found
#: within this many hours (else it opens a new Ⅳ-grade incident).
JOIN_WINDOW_HOURS = 24
