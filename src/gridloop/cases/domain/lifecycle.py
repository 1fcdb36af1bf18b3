"""The case (工单) and its 12345 closed-loop lifecycle, as one transition table.

`TRANSITIONS[(status, action)] -> status` is the whole lifecycle; `next_status()` is the only way to move.
Who may take an action and which fields it needs are in `ACTIONS`. Side effects live in services.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridloop.kernel.errors import Conflict
from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.org import Role


class Status(LabeledEnum):
    """Where a case is in the loop."""

    RECEIVED = ("received", "已受理", "Received", "#0ea5e9")
    DISPATCHED = ("dispatched", "待签收", "Dispatched", "#6366f1")
    RETURN_REVIEW = ("return_review", "退单审核", "Return under review", "#f97316")
    COORDINATING = ("coordinating", "三跨协调", "Under coordination", "#a855f7")
    SIGNED = ("signed", "已签收", "Signed", "#14b8a6")
    IN_PROGRESS = ("in_progress", "办理中", "In progress", "#10b981")
    SUSPENDED = ("suspended", "挂账", "Suspended", "#a3a3a3")
    AWAITING_REVIEW = ("awaiting_review", "待审核", "Awaiting review", "#eab308")
    AWAITING_CALLBACK = ("awaiting_callback", "待回访", "Awaiting callback", "#f59e0b")
    CALLED_BACK = ("called_back", "已回访", "Called back", "#84cc16")
    CLOSED = ("closed", "已办结", "Closed", "#22c55e")
    CANCELLED = ("cancelled", "已作废", "Cancelled", "#6b7280")
    MERGED = ("merged", "已并单", "Merged", "#9ca3af")


TERMINAL: frozenset[Status] = frozenset({Status.CLOSED, Status.CANCELLED, Status.MERGED})
OPEN_STATUSES: frozenset[Status] = frozenset(set(Status) - TERMINAL)


class Action(LabeledEnum):
    """What someone can do to a case."""

    RECEIVE = ("receive", "受理", "Receive")
    ANSWER_DIRECTLY = ("answer_directly", "直接答复", "Answer directly")
    RESOLVE_ON_SPOT = ("resolve_on_spot", "就地解决", "Resolve on the spot")
    DISPATCH = ("dispatch", "派单", "Dispatch")
    REDISPATCH = ("redispatch", "改派", "Redispatch")
    SIGN = ("sign", "签收", "Sign")
    RETURN = ("return", "退单", "Return")
    UPHOLD_RETURN = ("uphold_return", "同意退单并改派", "Uphold return (redispatch)")
    REJECT_RETURN = ("reject_return", "驳回退单", "Reject return")
    FIRST_CONTACT = ("first_contact", "先行联系", "First contact")
    REQUEST_EXTENSION = ("request_extension", "申请延期", "Request extension")
    APPROVE_EXTENSION = ("approve_extension", "批准延期", "Approve extension")
    REJECT_EXTENSION = ("reject_extension", "驳回延期", "Reject extension")
    SUSPEND = ("suspend", "挂账", "Suspend")
    RESUME = ("resume", "恢复办理", "Resume")
    REPLY = ("reply", "办结反馈", "Reply")
    APPROVE_REPLY = ("approve_reply", "审核通过", "Approve reply")
    SEND_BACK = ("send_back", "审核退回", "Send back")
    CALLBACK = ("callback", "回访", "Callback")
    REOPEN = ("reopen", "重办", "Reopen")
    CLOSE = ("close", "结案", "Close")
    CANCEL = ("cancel", "作废", "Cancel")
    MERGE = ("merge", "并单", "Merge into parent")
    SUPERVISE = ("supervise", "督办", "Supervise")
    ESCALATE = ("escalate", "提请协调", "Escalate for coordination")
    COORDINATE = ("coordinate", "协调指定", "Coordinate (name lead and co-units)")
    CO_REPLY = ("co_reply", "协办反馈", "Co-unit reply")
    FOLLOW_UP = ("follow_up", "追加诉求", "Follow-up call")


class Satisfaction(LabeledEnum):
    """The citizen's verdict at callback."""

    SATISFIED = ("satisfied", "满意", "Satisfied", "#22c55e")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意", "Basically satisfied", "#84cc16")
    DISSATISFIED = ("dissatisfied", "不满意", "Dissatisfied", "#ef4444")


class ClosureKind(LabeledEnum):
    """How a case was closed, when not by the ordinary reply → callback → close."""

    DIRECT = ("direct", "直接答复", "Answered directly")
    WITH_PARENT = ("with_parent", "随主单办结", "Closed with its parent case")
    ON_SPOT = ("on_spot", "就地解决", "Resolved on the spot")


class ExtensionDecision(LabeledEnum):
    """The decision on an extension request."""

    APPROVED = ("approved", "已批准", "Approved", "#22c55e")
    REJECTED = ("rejected", "已驳回", "Rejected", "#ef4444")


class RequestType(LabeledEnum):
    """Nature of the request (诉求类型); drives the time limit."""

    INQUIRY = ("inquiry", "咨询", "Inquiry")
    HELP = ("help", "求助", "Help")
    COMPLAINT = ("complaint", "投诉", "Complaint")
    REPORT = ("report", "举报", "Report")
    SUGGESTION = ("suggestion", "建议", "Suggestion")
    PRAISE = ("praise", "表扬", "Praise")


class Channel(LabeledEnum):
    """Where a case came from (渠道)."""

    PHONE = ("phone", "电话", "Phone")
    WEB = ("web", "网站", "Web")
    APP = ("app", "APP", "App")
    PATROL = ("patrol", "网格巡查", "Grid patrol")
    SENSOR = ("sensor", "物联感知", "Sensor")
    PETITION = ("petition", "信访", "Petition")
    ASSIGNED = ("assigned", "上级交办", "Assigned from above")


class Urgency(LabeledEnum):
    """How fast it must be handled."""

    NORMAL = ("normal", "一般", "Normal", "#64748b")
    URGENT = ("urgent", "紧急", "Urgent", "#f59e0b")
    EMERGENCY = ("emergency", "特急", "Emergency", "#dc2626")


class Crs(LabeledEnum):
    """Coordinate reference systems a client may use."""

    WGS84 = ("wgs84", "WGS-84 (GPS)", "WGS-84 (GPS)")
    GCJ02 = ("gcj02", "GCJ-02 (高德/腾讯)", "GCJ-02 (Amap/Tencent)")
    BD09 = ("bd09", "BD-09 (百度)", "BD-09 (Baidu)")


class Field(LabeledEnum):
    """Inputs an action may require."""

    REASON = ("reason", "原因", "Reason")
    UNIT = ("unit", "承办单位", "Handling unit")
    REPLY = ("reply", "答复内容", "Reply text")
    SATISFACTION = ("satisfaction", "满意度", "Satisfaction")
    SOLVED = ("solved", "是否解决", "Solved")
    PARENT = ("parent", "主工单", "Parent case")
    DAYS = ("days", "延期天数", "Extra working days")
    NOTE = ("note", "说明", "Note")


@dataclass(frozen=True)
class ActionSpec:
    """Who may take an action and what it needs."""

    roles: frozenset[Role]
    requires: tuple[Field, ...] = ()
    description: str = ""


_DESK = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN})
_DISPATCH = frozenset({Role.DISPATCHER, Role.ADMIN})
_UNIT = frozenset({Role.HANDLER, Role.ADMIN})
_OVERSIGHT = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})

ACTIONS: dict[Action, ActionSpec] = {
    Action.RECEIVE: ActionSpec(
        _DESK | {Role.GRID_WORKER}, (), "The hotline (or a grid worker's patrol) takes the request."
    ),
    Action.ANSWER_DIRECTLY: ActionSpec(_DESK, (Field.REPLY,), "The operator answers at once; no dispatch."),
    Action.RESOLVE_ON_SPOT: ActionSpec(
        frozenset({Role.GRID_WORKER, Role.ADMIN}),
        (Field.REPLY,),
        "The grid worker who found a minor matter settles it there and then (before/after photos); no dispatch.",
    ),
    Action.DISPATCH: ActionSpec(_DISPATCH, (Field.UNIT,), "Send to a lead unit (and co-units)."),
    Action.REDISPATCH: ActionSpec(_DISPATCH, (Field.UNIT, Field.REASON), "Send to another unit."),
    Action.SIGN: ActionSpec(_UNIT, (), "The unit acknowledges receipt (1 working day)."),
    Action.RETURN: ActionSpec(_UNIT, (Field.REASON,), "The unit says it is not its duty, with the basis."),
    Action.UPHOLD_RETURN: ActionSpec(
        _DISPATCH, (Field.UNIT,), "The dispatcher agrees with the return and redispatches."
    ),
    Action.REJECT_RETURN: ActionSpec(
        _DISPATCH, (Field.REASON,), "The dispatcher rejects the return; the case goes back to the unit."
    ),
    Action.FIRST_CONTACT: ActionSpec(_UNIT, (Field.NOTE,), "The unit contacts the citizen (1 working day)."),
    Action.REQUEST_EXTENSION: ActionSpec(
        _UNIT, (Field.REASON, Field.DAYS), "The unit asks for a longer deadline, before the deadline."
    ),
    Action.APPROVE_EXTENSION: ActionSpec(_OVERSIGHT, (), "The pending extension is granted; the deadline moves."),
    Action.REJECT_EXTENSION: ActionSpec(_OVERSIGHT, (Field.REASON,), "The pending extension is refused."),
    Action.SUSPEND: ActionSpec(
        _OVERSIGHT, (Field.REASON,), "Parked for a reason outside the unit's control; the clock stops."
    ),
    Action.RESUME: ActionSpec(_OVERSIGHT | _UNIT, (), "Handling resumes; the clock restarts."),
    Action.REPLY: ActionSpec(_UNIT, (Field.REPLY,), "The unit reports the result and its answer."),
    Action.APPROVE_REPLY: ActionSpec(_DESK, (), "The hotline accepts the reply."),
    Action.SEND_BACK: ActionSpec(_DESK, (Field.REASON,), "The hotline sends the reply back for more work."),
    Action.CALLBACK: ActionSpec(
        _DESK, (Field.SATISFACTION, Field.SOLVED), "The citizen is asked whether it was solved."
    ),
    Action.REOPEN: ActionSpec(_DESK, (Field.REASON,), "Handled again after an unsolved callback (重办)."),
    Action.CLOSE: ActionSpec(_DESK, (), "The loop ends."),
    Action.CANCEL: ActionSpec(_DESK, (Field.REASON,), "Not a valid case (作废)."),
    Action.MERGE: ActionSpec(_DESK, (Field.PARENT,), "A duplicate report joins its parent case (并单)."),
    Action.SUPERVISE: ActionSpec(
        _OVERSIGHT, (Field.NOTE,), "A higher level presses the case (督办); a flag with a record."
    ),
    Action.ESCALATE: ActionSpec(
        _OVERSIGHT,
        (Field.REASON,),
        "Cross-cutting (三跨: returned twice, disputed, several departments/levels/districts): "
        "sent to the coordinating level (street → district → city).",
    ),
    Action.COORDINATE: ActionSpec(
        _OVERSIGHT,
        (Field.UNIT, Field.REASON),
        "The coordinating level names the lead unit and co-units; the clock restarts.",
    ),
    Action.CO_REPLY: ActionSpec(
        _UNIT, (Field.REPLY,), "A co-unit reports its part; the lead unit's reply closes the loop."
    ),
    Action.FOLLOW_UP: ActionSpec(
        _DESK, (Field.NOTE,), "The caller rings again about an open case (追加): the new words join its timeline."
    ),
}

_S = Status
_A = Action

#: The lifecycle. Rows are (from status, action) → to status. The special source status None is creation.
TRANSITIONS: dict[tuple[Status | None, Action], Status] = {
    (None, _A.RECEIVE): _S.RECEIVED,
    (_S.RECEIVED, _A.ANSWER_DIRECTLY): _S.CLOSED,
    (_S.RECEIVED, _A.RESOLVE_ON_SPOT): _S.CLOSED,
    (_S.RECEIVED, _A.DISPATCH): _S.DISPATCHED,
    (_S.DISPATCHED, _A.REDISPATCH): _S.DISPATCHED,
    (_S.SIGNED, _A.REDISPATCH): _S.DISPATCHED,
    (_S.IN_PROGRESS, _A.REDISPATCH): _S.DISPATCHED,
    (_S.DISPATCHED, _A.SIGN): _S.SIGNED,
    (_S.DISPATCHED, _A.RETURN): _S.RETURN_REVIEW,
    (_S.SIGNED, _A.RETURN): _S.RETURN_REVIEW,
    (_S.RETURN_REVIEW, _A.UPHOLD_RETURN): _S.DISPATCHED,
    (_S.RETURN_REVIEW, _A.REJECT_RETURN): _S.DISPATCHED,
    (_S.SIGNED, _A.FIRST_CONTACT): _S.IN_PROGRESS,
    (_S.SIGNED, _A.REQUEST_EXTENSION): _S.SIGNED,
    (_S.IN_PROGRESS, _A.REQUEST_EXTENSION): _S.IN_PROGRESS,
    (_S.SIGNED, _A.APPROVE_EXTENSION): _S.SIGNED,
    (_S.IN_PROGRESS, _A.APPROVE_EXTENSION): _S.IN_PROGRESS,
    (_S.SIGNED, _A.REJECT_EXTENSION): _S.SIGNED,
    (_S.IN_PROGRESS, _A.REJECT_EXTENSION): _S.IN_PROGRESS,
    (_S.SIGNED, _A.SUSPEND): _S.SUSPENDED,
    (_S.IN_PROGRESS, _A.SUSPEND): _S.SUSPENDED,
    (_S.SUSPENDED, _A.RESUME): _S.IN_PROGRESS,
    (_S.IN_PROGRESS, _A.REPLY): _S.AWAITING_REVIEW,
    (_S.AWAITING_REVIEW, _A.APPROVE_REPLY): _S.AWAITING_CALLBACK,
    (_S.AWAITING_REVIEW, _A.SEND_BACK): _S.IN_PROGRESS,
    (_S.AWAITING_CALLBACK, _A.CALLBACK): _S.CALLED_BACK,
    (_S.AWAITING_CALLBACK, _A.CLOSE): _S.CLOSED,
    (_S.CALLED_BACK, _A.REOPEN): _S.IN_PROGRESS,
    (_S.CALLED_BACK, _A.CLOSE): _S.CLOSED,
    (_S.RECEIVED, _A.CANCEL): _S.CANCELLED,
    (_S.DISPATCHED, _A.CANCEL): _S.CANCELLED,
    (_S.RETURN_REVIEW, _A.CANCEL): _S.CANCELLED,
    **{(s, _A.MERGE): _S.MERGED for s in (_S.RECEIVED, _S.DISPATCHED, _S.SIGNED, _S.RETURN_REVIEW)},
    **{
        (s, _A.ESCALATE): _S.COORDINATING
        for s in (_S.RECEIVED, _S.DISPATCHED, _S.RETURN_REVIEW, _S.SIGNED, _S.IN_PROGRESS)
    },
    (_S.COORDINATING, _A.COORDINATE): _S.DISPATCHED,
    **{(s, _A.CO_REPLY): s for s in (_S.DISPATCHED, _S.SIGNED, _S.IN_PROGRESS)},
    **{(s, _A.SUPERVISE): s for s in Status if s not in TERMINAL and s is not _S.RECEIVED},
    **{(s, _A.FOLLOW_UP): s for s in Status if s not in TERMINAL},
}


def next_status(current: Status | None, action: Action) -> Status:
    """The status after `action` from `current`, or Conflict naming the state and the allowed actions."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        allowed = ", ".join(a.value for a in allowed_actions(current)) or "none (the case is finished)"
        where = current.value if current else "new"
        raise Conflict(
            f"Action '{action.value}' is not allowed when the case is '{where}'. Allowed now: {allowed}."
        ) from None


def allowed_actions(current: Status | None, role: Role | None = None) -> list[Action]:
    """Actions possible from a status (for a role, when given), in table order."""
    seen: list[Action] = []
    for (src, action), _dst in TRANSITIONS.items():
        if src is current and action not in seen and (role is None or role in ACTIONS[action].roles):
            seen.append(action)
    return seen


def lifecycle_as_dict() -> dict[str, object]:
    """The table as plain data (used by the API and to render docs/lifecycle.md)."""
    return {
        "statuses": [{**s, "terminal": Status(s["value"]) in TERMINAL} for s in Status.describe()],
        "actions": [
            {
                **a,
                "roles": sorted(r.value for r in ACTIONS[Action(a["value"])].roles),
                "requires": [f.value for f in ACTIONS[Action(a["value"])].requires],
                "description": ACTIONS[Action(a["value"])].description,
            }
            for a in Action.describe()
        ],
        "transitions": [
            {"from": src.value if src else None, "action": act.value, "to": dst.value}
            for (src, act), dst in TRANSITIONS.items()
        ],
    }


def render_lifecycle_markdown() -> str:
    """docs/lifecycle.md, generated from the table (a test checks the file matches)."""
    lines = [
        "# Case lifecycle (generated — do not edit)",
        "",
        "Generated from `gridloop.cases.domain.lifecycle.TRANSITIONS` by `gridloop docs lifecycle`.",
        "A test fails when this file and the table differ.",
        "",
        "## Statuses",
        "",
        "| value | 中文 | English | terminal |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{s.value}` | {s.zh} | {s.en} | {'yes' if s in TERMINAL else ''} |" for s in Status]
    lines += [
        "",
        "## Actions",
        "",
        "| action | 中文 | roles | requires | what it does |",
        "|---|---|---|---|---|",
    ]
    for a in Action:
        spec = ACTIONS[a]
        roles = ", ".join(sorted(r.value for r in spec.roles))
        req = ", ".join(f.value for f in spec.requires)
        lines.append(f"| `{a.value}` | {a.zh} | {roles} | {req} | {spec.description} |")
    lines += ["", "## Transitions", "", "| from | action | to |", "|---|---|---|"]
    for (src, act), dst in TRANSITIONS.items():
        lines.append(f"| {src.value if src else '(new)'} | `{act.value}` | {dst.value} |")
    lines.append("")
    return "\n".join(lines)
