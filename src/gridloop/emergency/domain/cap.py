"""Warning transitions as CAP 1.2 messages: GB/T 35965.1-style identifiers, Alert/Update/Cancel chains.

One warning (a rule on a subject) is a chain: the issue is an `Alert`; upgrades, downgrades and re-notices are
`Update`s and the all-clear is a `Cancel`, each referencing every earlier message of the chain as
`sender,identifier,sent` triples separated by spaces. Times are written in Beijing time with the offset
(`+08:00`), to the second: CAP forbids `Z` and fractions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from gridloop.emergency.domain.levels import level_info
from gridloop.emergency.domain.rules import Kind, Op, Rule, Transition, TransitionKind
from gridloop.kernel.errors import InvalidInput

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
BEIJING = ZoneInfo("Asia/Shanghai")
_FORBIDDEN_IN_IDS = re.compile(r"[\s,<&]")

MSG_TYPE = {
    TransitionKind.ISSUE: "Alert",
    TransitionKind.UPGRADE: "Update",
    TransitionKind.DOWNGRADE: "Update",
    TransitionKind.RENOTIFY: "Update",
    TransitionKind.CANCEL: "Cancel",
}
RESPONSE_TYPES = {
    1: ("Execute", "Avoid"),
    2: ("Execute", "Avoid"),
    3: ("Prepare", "Monitor"),
    4: ("Prepare", "Monitor"),
}
HEADLINE = {
    TransitionKind.ISSUE: "{area}发布{event}{colour}预警[{label}]",
    TransitionKind.UPGRADE: "{area}{event}{previous}预警升级为{colour}预警[{label}]",
    TransitionKind.DOWNGRADE: "{area}{event}{previous}预警降级为{colour}预警[{label}]",
    TransitionKind.RENOTIFY: "{area}{event}{colour}预警继续生效[{label}]",
    TransitionKind.CANCEL: "{area}解除{event}{colour}预警",
}
MEASURE_ZH = {
    Kind.THRESHOLD: "实测值",
    Kind.ROLLING_SUM: "累计",
    Kind.ROLLING_MEAN: "平均",
    Kind.RATE_OF_CHANGE: "每小时变化",
    Kind.STALENESS: "无有效数据小时数",
}
OP_ZH = {Op.GE: "≥", Op.GT: ">", Op.LE: "≤", Op.LT: "<"}


def cap_time(when: datetime) -> str:
    """A CAP date-time: Beijing time, whole seconds, with the offset (never `Z`)."""
    if when.tzinfo is None:
        raise InvalidInput(f"CAP times need an aware datetime, got {when.isoformat()}")
    return when.astimezone(BEIJING).replace(microsecond=0).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Area:
    """Where a warning applies: a description, and optionally a polygon (lat, lon points), a circle, a code."""

    description: str
    polygon: tuple[tuple[float, float], ...] = ()
    circle: tuple[float, float, float] | None = None  # lat, lon, radius in km
    geocode: str = ""  # GB/T 2260 code


@dataclass(frozen=True)
class CapProfile:
    """Who sends, and how: sender code parts of GB/T 35965.1, status, language, contact."""

    sender: str = "emergency@gridloop.example"
    sender_name: str = "gridloop 城运中心"
    admin_code: str = "310000"  # GB/T 2260
    org_code: str = "000"  # GB/T 4657 (3 digits)
    extension: str = "00"
    status: str = "Actual"
    language: str = "zh-CN"
    contact: str = "12345"

    def __post_init__(self) -> None:
        if _FORBIDDEN_IN_IDS.search(self.sender) or not self.sender:
            raise InvalidInput(f"CAP sender {self.sender!r} must be non-empty without spaces, commas, '<' or '&'")
        if not (re.fullmatch(r"\d{6}", self.admin_code) and re.fullmatch(r"\d{3}", self.org_code)):
            raise InvalidInput("admin_code is 6 digits (GB/T 2260) and org_code 3 digits (GB/T 4657)")
        if not re.fullmatch(r"\d{2}", self.extension):
            raise InvalidInput("extension is 2 digits")
        if self.status not in ("Actual", "Exercise", "System", "Test", "Draft"):
            raise InvalidInput(f"CAP status {self.status!r} is not one of Actual, Exercise, System, Test, Draft")


@dataclass(frozen=True)
class CapMessage:
    """One rendered CAP message and the facts a warning log needs."""

    identifier: str
    sender: str
    sent: str
    msg_type: str
    references: str
    transition: Transition
    area: str
    xml: bytes

    def summary(self) -> dict[str, object]:
        """One line of the warning log."""
        t = self.transition
        info = level_info(t.level)
        return {
            "identifier": self.identifier,
            "msgType": self.msg_type,
            "sent": self.sent,
            "references": self.references,
            "transition": t.kind.value,
            "rule_id": t.rule_id,
            "event": t.event,
            "station_id": t.subject if t.stations == (t.subject,) else None,
            "area": self.area,
            "stations": list(t.stations),
            "level": t.level,
            "previous_level": t.previous_level,
            "colour": info.colour_en,
            "colour_zh": info.colour_zh,
            "severity": info.cap_severity,
            "value": None if t.value is None else round(t.value, 3),
            "unit": t.unit,
        }


@dataclass
class CapComposer:
    """Turns transitions into CAP messages, keeping each warning's chain and allocating identifiers."""

    profile: CapProfile = field(default_factory=CapProfile)
    areas: dict[str, Area] = field(default_factory=dict)
    _chains: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _codes: dict[str, str] = field(default_factory=dict)
    _sequence: dict[str, int] = field(default_factory=dict)

    def compose(self, transition: Transition, *, rule: Rule) -> CapMessage:
        """The CAP message of one transition of one rule."""
        if transition.rule_id != rule.id:
            raise InvalidInput(f"transition of rule {transition.rule_id!r} composed with rule {rule.id!r}")
        sent = cap_time(transition.at)
        identifier = self._identifier(transition.subject, transition.at)
        chain_key = (rule.id, transition.subject)
        if transition.kind is TransitionKind.ISSUE:
            self._chains[chain_key] = []
        chain = self._chains.setdefault(chain_key, [])
        msg_type = MSG_TYPE[transition.kind]
        if msg_type != "Alert" and not chain:
            raise InvalidInput(f"{transition.kind} of {chain_key} has no earlier message to reference")
        references = " ".join(chain)
        area = self.areas.get(transition.subject) or Area(description=transition.subject)
        xml = self._render(transition, rule, identifier, sent, msg_type, references, area)
        chain.append(f"{self.profile.sender},{identifier},{sent}")
        if transition.kind is TransitionKind.CANCEL:
            del self._chains[chain_key]
        return CapMessage(
            identifier, self.profile.sender, sent, msg_type, references, transition, area.description, xml
        )

    def _identifier(self, subject: str, at: datetime) -> str:
        """`ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N`: sender code (UUU numbers the subject), Beijing time, sequence."""
        code = self._codes.get(subject)
        if code is None:
            number = len(self._codes) + 1
            if number > 999:
                raise InvalidInput("more than 999 warning subjects for one sender code; split the sender")
            p = self.profile
            code = self._codes[subject] = f"{p.admin_code}{p.org_code}{number:03d}{p.extension}"
        stamp = at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
        key = f"{code}_{stamp}"
        n = self._sequence.get(key, -1) + 1
        if n > 9:
            raise InvalidInput(f"more than 10 messages for {subject} in the second {stamp}")
        self._sequence[key] = n
        return f"{key}_{n}"

    def _render(
        self,
        t: Transition,
        rule: Rule,
        identifier: str,
        sent: str,
        msg_type: str,
        references: str,
        area: Area,
    ) -> bytes:
        p = self.profile
        info = level_info(t.level)
        root = ET.Element("alert", {"xmlns": CAP_NS})

        def add(parent: ET.Element, tag: str, text: str) -> ET.Element:
            child = ET.SubElement(parent, tag)
            child.text = text
            return child

        for tag, text in (
            ("identifier", identifier),
            ("sender", p.sender),
            ("sent", sent),
            ("status", p.status),
            ("msgType", msg_type),
            ("scope", "Public"),
        ):
            add(root, tag, text)
        if references:
            add(root, "references", references)
        node = ET.SubElement(root, "info")
        add(node, "language", p.language)
        add(node, "category", rule.category)
        add(node, "event", rule.event)
        cancel = t.kind is TransitionKind.CANCEL
        for response in ("AllClear",) if cancel else RESPONSE_TYPES[t.level]:
            add(node, "responseType", response)
        add(node, "urgency", "Past" if cancel else info.cap_urgency)
        add(node, "severity", info.cap_severity)
        add(node, "certainty", "Observed")
        if rule.event_code:
            code = ET.SubElement(node, "eventCode")
            add(code, "valueName", "OET:v1.2")
            add(code, "value", rule.event_code)
        add(node, "effective", sent)
        add(node, "senderName", p.sender_name)
        previous = level_info(t.previous_level).colour_zh if t.previous_level else ""
        headline = HEADLINE[t.kind].format(
            area=area.description, event=rule.event, colour=info.colour_zh, previous=previous, label=info.label_zh
        )
        if p.status == "Exercise":
            headline = f"【演练】{headline}"
        add(node, "headline", headline)
        add(node, "description", self._description(t, rule))
        if p.contact:
            add(node, "contact", p.contact)
        for name, value in (
            ("CN_WARNING_LEVEL", str(t.level)),
            ("CN_WARNING_COLOUR", info.colour_en),
            ("GRIDLOOP_RULE", rule.id),
            ("GRIDLOOP_TRANSITION", t.kind.value),
        ):
            param = ET.SubElement(node, "parameter")
            add(param, "valueName", name)
            add(param, "value", value)
        where = ET.SubElement(node, "area")
        add(where, "areaDesc", area.description)
        if area.polygon:
            points = list(area.polygon)
            if points[0] != points[-1]:
                points.append(points[0])
            add(where, "polygon", " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in points))
        if area.circle:
            lat, lon, km = area.circle
            add(where, "circle", f"{lat:.6f},{lon:.6f} {km:g}")
        if area.geocode:
            geo = ET.SubElement(where, "geocode")
            add(geo, "valueName", "GB/T 2260")
            add(geo, "value", area.geocode)
        ET.indent(root)
        # what ET.tostring(root, encoding="utf-8", xml_declaration=True) gives, without its per-write codec
        return _DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")

    @staticmethod
    def _description(t: Transition, rule: Rule) -> str:
        step = rule.step(t.level)
        window = f"{step.window.total_seconds() / 3600:g}小时" if step.window.total_seconds() else ""
        stations = "、".join(t.stations)
        measured = "无有效数据" if t.value is None else f"{t.value:.1f}"
        unit = "小时" if rule.kind is Kind.STALENESS else t.unit
        criterion = f"{window}{MEASURE_ZH[rule.kind]}{OP_ZH[rule.op]}{step.threshold:g}{unit}"
        colour = level_info(t.level).colour_zh
        if t.kind is TransitionKind.CANCEL:
            return f"{stations}：{rule.event}{colour}预警条件（{criterion}）已解除。"
        return f"{stations}：{window}{MEASURE_ZH[rule.kind]} {measured} {unit}，达到{colour}预警标准（{criterion}）。"
