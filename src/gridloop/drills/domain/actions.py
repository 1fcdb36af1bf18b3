"""What participants can be expected to do, as one table: action → label, the role kinds that may do it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionKind:
    """An expected action a drill can score: its Chinese and English labels and what it needs."""

    code: str
    zh: str
    en: str
    needs_case: bool = False  # matched on the case of its inject (a call or a grid report)
    needs_incident: bool = False  # matched on the run's incident(s)


ACTIONS: dict[str, ActionKind] = {
    a.code: a
    for a in (
        ActionKind("case.dispatch", "派单", "Dispatch the case", needs_case=True),
        ActionKind("case.sign", "签收", "Sign for the case", needs_case=True),
        ActionKind("case.first_contact", "首次联系", "First contact", needs_case=True),
        ActionKind("case.reply", "答复", "Reply", needs_case=True),
        ActionKind("case.close", "办结", "Close the case", needs_case=True),
        ActionKind("incident.open", "启动应急响应", "Open the incident", needs_incident=True),
        ActionKind("incident.commander", "指定现场指挥", "Name the commander", needs_incident=True),
        ActionKind("incident.escalate", "提级响应", "Escalate the grade", needs_incident=True),
        ActionKind("incident.task", "派发处置任务", "Task a team or unit", needs_incident=True),
        ActionKind("incident.task_acknowledge", "任务签收", "Acknowledge the task", needs_incident=True),
        ActionKind("incident.task_arrive", "到场处置", "Arrive on site", needs_incident=True),
        ActionKind("incident.note", "记录处置情况", "Log a note", needs_incident=True),
        ActionKind("incident.close", "应急结束", "Close the incident", needs_incident=True),
        ActionKind("warning.issue", "发布预警", "Warning issued"),
        ActionKind("decision", "推演决策", "Decision (tabletop)"),
    )
}

#: Scenario roles → the console role that plays them (a participant with that role acts in the normal console).
CONSOLE_ROLES: tuple[str, ...] = ("operator", "dispatcher", "handler", "grid_worker", "supervisor", "admin")

#: Inject kinds: what the drill feeds into the normal services.
INJECT_KINDS: dict[str, tuple[str, str]] = {
    "sensor": ("传感器读数", "Sensor readings"),
    "call": ("12345 来电", "12345 call"),
    "grid_report": ("网格员上报", "Grid-worker report"),
    "message": ("角色消息", "Message to roles"),
}
