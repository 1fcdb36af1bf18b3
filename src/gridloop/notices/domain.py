"""Notice kinds, delivery channels, who hears of what by default (per role), and how a notice reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.org import Role


class NoticeKind(LabeledEnum):
    """What a notice is about."""

    DISPATCH = ("dispatch", "新派单", "New dispatch", "#6366f1")
    RETURN = ("return", "退单", "Returned case", "#ef4444")
    SUPERVISION = ("supervision", "督办", "Supervision (督办)", "#f59e0b")
    DEADLINE = ("deadline", "24 小时内到期", "Due within 24 h", "#f97316")
    FOLLOWED = ("followed", "关注的工单有变化", "A followed case changed", "#0ea5e9")


class NoticeChannel(LabeledEnum):
    """Where a notice is delivered: the console (always stored), SMS, a WeChat-style app message."""

    IN_APP = ("in_app", "站内通知", "In the console", "#0ea5e9")
    SMS = ("sms", "短信", "SMS", "#10b981")
    WECHAT = ("wechat", "微信", "WeChat", "#22c55e")


#: Channels a notice leaves the process by (through the outbox); in-app notices are rows read by the console.
OUTBOUND = (NoticeChannel.SMS, NoticeChannel.WECHAT)

_IN_APP = frozenset({NoticeChannel.IN_APP})
_URGENT = frozenset({NoticeChannel.IN_APP, NoticeChannel.SMS})

#: Per-role defaults: kind → channels. A person's own preferences (a row per kind × channel) override them.
ROLE_DEFAULTS: Mapping[Role, Mapping[NoticeKind, frozenset[NoticeChannel]]] = {
    Role.HANDLER: {
        NoticeKind.DISPATCH: _URGENT,
        NoticeKind.SUPERVISION: _URGENT,
        NoticeKind.DEADLINE: _IN_APP,
        NoticeKind.FOLLOWED: _IN_APP,
    },
    Role.DISPATCHER: {NoticeKind.RETURN: _IN_APP, NoticeKind.SUPERVISION: _IN_APP, NoticeKind.FOLLOWED: _IN_APP},
    Role.OPERATOR: {NoticeKind.FOLLOWED: _IN_APP},
    Role.GRID_WORKER: {NoticeKind.DISPATCH: _IN_APP, NoticeKind.DEADLINE: _IN_APP, NoticeKind.FOLLOWED: _IN_APP},
    Role.SUPERVISOR: {NoticeKind.SUPERVISION: _IN_APP, NoticeKind.FOLLOWED: _IN_APP},
    Role.ANALYST: {NoticeKind.FOLLOWED: _IN_APP},
    Role.ADMIN: {NoticeKind.RETURN: _IN_APP, NoticeKind.SUPERVISION: _IN_APP, NoticeKind.FOLLOWED: _IN_APP},
}

#: Which roles of a unit hear of a kind addressed to the unit (a dispatch goes to the unit's handlers …).
UNIT_ROLES: Mapping[NoticeKind, frozenset[Role]] = {
    NoticeKind.DISPATCH: frozenset({Role.HANDLER, Role.GRID_WORKER}),
    NoticeKind.SUPERVISION: frozenset({Role.HANDLER, Role.SUPERVISOR}),
    NoticeKind.DEADLINE: frozenset({Role.HANDLER, Role.GRID_WORKER}),
    NoticeKind.RETURN: frozenset({Role.DISPATCHER, Role.ADMIN}),
}


def channels_for(
    role: Role, kind: NoticeKind, overrides: Mapping[tuple[str, str], bool] | None = None
) -> frozenset[NoticeChannel]:
    """The channels a person of `role` gets `kind` on: the role's defaults, then their own choices."""
    chosen = set(ROLE_DEFAULTS.get(role, {}).get(kind, frozenset()))
    for (k, channel), enabled in (overrides or {}).items():
        if k != kind.value:
            continue
        member = NoticeChannel(channel)
        if enabled:
            chosen.add(member)
        else:
            chosen.discard(member)
    return frozenset(chosen)


#: How each kind reads, in Chinese and English; fields come from the notice's payload.
TEMPLATES: Mapping[NoticeKind, tuple[str, str]] = {
    NoticeKind.DISPATCH: ("工单 {number} 已派给本单位：{title}", "Case {number} was dispatched to your unit: {title}"),
    NoticeKind.RETURN: (
        "工单 {number} 被{unit}退回：{reason}",
        "Case {number} was returned by {unit_en}: {reason}",
    ),
    NoticeKind.SUPERVISION: ("工单 {number} 被督办：{reason}", "Case {number} is under supervision: {reason}"),
    NoticeKind.DEADLINE: (
        "工单 {number} 的{step}将于 {due} 到期",
        "The {step_en} step of case {number} is due at {due}",
    ),
    NoticeKind.FOLLOWED: (
        "关注的工单 {number}：{action}（{status}）",
        "Followed case {number}: {action_en} ({status_en})",
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def message(kind: NoticeKind, payload: Mapping[str, Any], *, lang: str = "zh") -> str:
    """The sentence a notice shows, in Chinese or English (a missing field reads "—")."""
    zh, en = TEMPLATES[kind]
    values = _Blank({k: v for k, v in payload.items() if v not in (None, "")})
    return (zh if lang.startswith("zh") else en).format_map(values)
