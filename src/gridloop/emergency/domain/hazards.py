"""The hazard register (隐患台账): a lifecycle table from 发现 to 销号, and LEC risk scoring (D = L × E × C).

`TRANSITIONS[(status, action)] -> status` is the whole lifecycle and `next_status()` the only way to move.
`apply()` adds the guards that need the record: an assessment needs the three LEC factors, an assignment a
unit and a deadline, and a hazard is re-checked (and so closed) by someone other than who rectified it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from gridloop.kernel.errors import Conflict, InvalidInput
from gridloop.kernel.labels import LabeledEnum


class HazardStatus(LabeledEnum):
    """Where a hazard is in the register."""

    FOUND = ("found", "已发现", "Found", "#94a3b8")
    REGISTERED = ("registered", "已登记", "Registered", "#0ea5e9")
    ASSESSED = ("assessed", "已评估定级", "Assessed", "#6366f1")
    ASSIGNED = ("assigned", "已交办", "Assigned", "#a855f7")
    RECTIFYING = ("rectifying", "整改中", "Rectifying", "#f59e0b")
    RECHECKED = ("rechecked", "复查合格", "Re-checked", "#84cc16")
    CLOSED = ("closed", "已销号", "Closed", "#22c55e")
    DISMISSED = ("dismissed", "不予登记", "Dismissed", "#6b7280")


class HazardAction(LabeledEnum):
    """What someone can do to a hazard."""

    REGISTER = ("register", "登记", "Register")
    DISMISS = ("dismiss", "不予登记", "Dismiss (not a hazard)")
    ASSESS = ("assess", "评估定级", "Assess (LEC)")
    REASSESS = ("reassess", "重新定级", "Reassess")
    ASSIGN = ("assign", "交办", "Assign")
    REASSIGN = ("reassign", "改交办", "Reassign")
    START = ("start", "开始整改", "Start rectifying")
    RECHECK_PASS = ("recheck_pass", "复查合格", "Re-check passed")
    RECHECK_FAIL = ("recheck_fail", "复查不合格", "Re-check failed")
    CLOSE = ("close", "销号", "Close (销号)")
    REJECT_CLOSE = ("reject_close", "不予销号", "Refuse closing")


S, A = HazardStatus, HazardAction
TRANSITIONS: dict[tuple[HazardStatus, HazardAction], HazardStatus] = {
    (S.FOUND, A.REGISTER): S.REGISTERED,
    (S.FOUND, A.DISMISS): S.DISMISSED,
    (S.REGISTERED, A.DISMISS): S.DISMISSED,
    (S.REGISTERED, A.ASSESS): S.ASSESSED,
    (S.ASSESSED, A.REASSESS): S.ASSESSED,
    (S.ASSESSED, A.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.REASSESS): S.ASSIGNED,
    (S.ASSIGNED, A.REASSIGN): S.ASSIGNED,
    (S.ASSIGNED, A.START): S.RECTIFYING,
    (S.RECTIFYING, A.REASSESS): S.RECTIFYING,
    (S.RECTIFYING, A.RECHECK_PASS): S.RECHECKED,
    (S.RECTIFYING, A.RECHECK_FAIL): S.RECTIFYING,
    (S.RECHECKED, A.CLOSE): S.CLOSED,
    (S.RECHECKED, A.REJECT_CLOSE): S.RECTIFYING,
}
TERMINAL: frozenset[HazardStatus] = frozenset({S.CLOSED, S.DISMISSED})


def next_status(current: HazardStatus, action: HazardAction) -> HazardStatus:
    """The status after `action`, or Conflict naming the status and what is allowed there."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        allowed = ", ".join(a.value for a in allowed_actions(current)) or "none (the hazard is finished)"
        raise Conflict(
            f"Action '{action.value}' is not allowed when the hazard is '{current.value}'. Allowed: {allowed}."
        ) from None


def allowed_actions(current: HazardStatus) -> list[HazardAction]:
    """Actions possible from a status, in table order."""
    return [action for (src, action) in TRANSITIONS if src is current]


def render_lifecycle_markdown() -> str:
    """The transition table as Markdown, for docs/emergency.md."""
    lines = ["| from | action | to |", "|---|---|---|"]
    for (src, action), dst in TRANSITIONS.items():
        lines.append(f"| {src.value} {src.zh} | {action.value} {action.zh} | {dst.value} {dst.zh} |")
    return "\n".join(lines) + "\n"


# --- LEC risk scoring (作业条件危险性评价法): D = L × E × C ---------------------------------------------------
L_SCORES: dict[float, str] = {
    10: "完全可以预料",
    6: "相当可能",
    3: "可能，但不经常",
    1: "可能性小，完全意外",
    0.5: "很不可能，可以设想",
    0.2: "极不可能",
    0.1: "实际不可能",
}
E_SCORES: dict[float, str] = {
    10: "连续暴露",
    6: "每天工作时间内暴露",
    3: "每周一次或偶然暴露",
    2: "每月一次暴露",
    1: "每年几次暴露",
    0.5: "非常罕见地暴露",
}
C_SCORES: dict[float, str] = {
    100: "大灾难，许多人死亡",
    40: "灾难，数人死亡",
    15: "非常严重，一人死亡",
    7: "严重，重伤",
    3: "重大，致残",
    1: "引人注目，需要救护",
}


class RiskGrade(LabeledEnum):
    """The four risk grades of 风险分级管控 (colours as the warning levels)."""

    MAJOR = ("1", "重大风险", "Major risk", "#d7191c")
    HIGH = ("2", "较大风险", "High risk", "#fd8d3c")
    GENERAL = ("3", "一般风险", "General risk", "#ffd700")
    LOW = ("4", "低风险", "Low risk", "#2b83ba")


# (lower bound of D, inclusive unless strictly above 320, grade, danger text) — most dangerous first.
# The bands are D > 320, 160–320, 70–160, < 70; a D on a shared edge (160, 70) takes the more dangerous band.
D_BANDS: tuple[tuple[float, bool, RiskGrade, str], ...] = (
    (320, False, RiskGrade.MAJOR, "极其危险，不能继续作业"),
    (160, True, RiskGrade.HIGH, "高度危险，需立即整改"),
    (70, True, RiskGrade.GENERAL, "显著危险，需要整改"),
    (float("-inf"), True, RiskGrade.LOW, "一般危险，需要注意"),
)


@dataclass(frozen=True)
class LecScore:
    """An LEC assessment: the three factors, D, its grade and the band's words."""

    likelihood: float
    exposure: float
    consequence: float
    d: float
    grade: RiskGrade
    danger: str


def grade_of(d: float) -> tuple[RiskGrade, str]:
    """The risk grade and danger text of a D value."""
    for bound, inclusive, grade, danger in D_BANDS:
        if d > bound or (inclusive and d == bound):
            return grade, danger
    raise InvalidInput(f"D = {d} fits no band")  # unreachable: the last band has no lower bound


def lec_score(likelihood: float, *, exposure: float, consequence: float) -> LecScore:
    """D = L × E × C with each factor one of the method's scores; unknown scores fail loudly."""
    for name, value, table in (("L", likelihood, L_SCORES), ("E", exposure, E_SCORES), ("C", consequence, C_SCORES)):
        if value not in table:
            raise InvalidInput(f"{name} = {value} is not an LEC score; use one of {sorted(table)}")
    d = round(likelihood * exposure * consequence, 6)
    grade, danger = grade_of(d)
    return LecScore(likelihood, exposure, consequence, d, grade, danger)


# --- the record --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HazardEvent:
    """One step in a hazard's history."""

    action: HazardAction
    actor: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Hazard:
    """One entry of the hazard register."""

    title: str
    location: str
    found_by: str
    found_at: datetime
    status: HazardStatus = HazardStatus.FOUND
    score: LecScore | None = None
    unit: str = ""
    deadline: datetime | None = None
    rectified_by: str = ""
    history: tuple[HazardEvent, ...] = field(default_factory=tuple)

    @property
    def overdue_at(self) -> datetime | None:
        """When an open assignment is past its deadline (None when closed or without a deadline)."""
        return None if self.status in TERMINAL else self.deadline


def report(title: str, *, location: str, found_by: str, now: datetime) -> Hazard:
    """A newly found hazard."""
    if not title.strip() or not location.strip():
        raise InvalidInput("a hazard needs a title and a location")
    if now.tzinfo is None:
        raise InvalidInput("times are aware")
    return Hazard(title=title.strip(), location=location.strip(), found_by=found_by, found_at=now)


def apply(
    hazard: Hazard,
    action: HazardAction,
    *,
    actor: str,
    now: datetime,
    score: LecScore | None = None,
    unit: str = "",
    deadline: datetime | None = None,
    note: str = "",
) -> Hazard:
    """The hazard after one action, with the guards that need the record; raises Conflict or InvalidInput."""
    status = next_status(hazard.status, action)
    changes: dict[str, object] = {}
    if action in (HazardAction.ASSESS, HazardAction.REASSESS):
        if score is None:
            raise InvalidInput("an assessment needs the LEC score (L, E, C)")
        changes["score"] = score
    if action in (HazardAction.ASSIGN, HazardAction.REASSIGN):
        if not unit.strip() or deadline is None:
            raise InvalidInput("an assignment needs a responsible unit and a deadline")
        if deadline <= now:
            raise InvalidInput("the rectification deadline must be in the future")
        changes.update(unit=unit.strip(), deadline=deadline)
    if action is HazardAction.START:
        changes["rectified_by"] = actor
    if action in (HazardAction.RECHECK_PASS, HazardAction.RECHECK_FAIL) and actor == hazard.rectified_by:
        raise Conflict("the re-check is done by someone other than who rectified the hazard")
    if action in (HazardAction.DISMISS, HazardAction.RECHECK_FAIL, HazardAction.REJECT_CLOSE) and not note.strip():
        raise InvalidInput(f"'{action.value}' needs a reason in the note")
    event = HazardEvent(action=action, actor=actor, at=now, note=note.strip())
    return replace(hazard, status=status, history=(*hazard.history, event), **changes)  # type: ignore[arg-type]


# --- the register's rules beyond the lifecycle --------------------------------------------------------------
#: Risk grade → the colour word of the four-colour map (红橙黄蓝).
COLOUR_OF_GRADE: dict[RiskGrade, str] = {
    RiskGrade.MAJOR: "red",
    RiskGrade.HIGH: "orange",
    RiskGrade.GENERAL: "yellow",
    RiskGrade.LOW: "blue",
}
COLOURS: tuple[str, ...] = ("red", "orange", "yellow", "blue")

#: The 五落实 of a major hazard (责任、措施、资金、时限、预案): field → Chinese word.
FIVE_IMPLEMENTATIONS: dict[str, str] = {
    "responsible_person": "责任（责任人）",
    "measures": "措施",
    "funds": "资金",
    "deadline": "时限",
    "plan": "预案",
}


def missing_five_implementations(values: dict[str, object]) -> list[str]:
    """The 五落实 items a major hazard still lacks (empty text, no funds, no deadline), in table order."""
    missing = []
    for name, word in FIVE_IMPLEMENTATIONS.items():
        value = values.get(name)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if name == "funds" and isinstance(value, int | float) and value <= 0:
            empty = True
        if empty:
            missing.append(word)
    return missing


#: 挂牌督办 and its escalation: (working days past the deadline, at least) → the level that supervises,
#: most overdue first. Past the deadline at all → the street (街镇) lists it; 3 working days → the district;
#: 5 → the city. Levels are `kernel.org.Level` values.
SUPERVISION_STEPS: tuple[tuple[int, str], ...] = ((5, "city"), (3, "district"), (0, "street"))


def supervision_level(overdue_workdays: int | None) -> str | None:
    """Which level supervises a hazard this many working days past its deadline (None when not overdue)."""
    if overdue_workdays is None or overdue_workdays < 0:
        return None
    return next(level for days, level in SUPERVISION_STEPS if overdue_workdays >= days)


#: Who may take which action (roles as `kernel.org.Role` values); an action not listed is open to every role.
ACTION_ROLES: dict[HazardAction, frozenset[str]] = {
    a: frozenset({"admin", "supervisor", "dispatcher"})
    for a in (A.REGISTER, A.DISMISS, A.ASSESS, A.REASSESS, A.ASSIGN, A.REASSIGN, A.CLOSE, A.REJECT_CLOSE)
}
