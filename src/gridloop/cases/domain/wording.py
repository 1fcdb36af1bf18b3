"""The machine's reasons (auto-dispatch, urgency, cascades) told in Chinese, with codes named, at the console's edge.

Reasons are stored as the services write them (English with codes: the API and the audit chain keep them as
they are); the console translates them with the literal patterns below. A reason no pattern knows is shown as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: Urgency rules and incident kinds as the urgency reason names them ("vulnerable: “孤寡老人”").
URGENCY_RULES: dict[str, str] = {
    "hazard": "安全隐患", "vulnerable": "涉及弱势群体", "insistent": "来电人强调紧急", "gas": "燃气泄漏",
    "chemical": "危化品泄漏/异味", "fire": "火灾", "collapse": "坍塌", "machinery_trapped": "电梯/机械困人夹人",
    "traffic_injury": "交通事故伤人", "child_trapped": "儿童被困/遇险", "electric": "触电/电线断落",
    "open_manhole": "窨井盖缺失", "drowning": "落水", "flooding": "进水/内涝", "fallen_tree": "树木倒伏",
    "disaster": "自然灾害", "food_poisoning": "群体性食物中毒", "medical": "急症/昏迷",
    "epidemic": "传染病/聚集性发热", "self_harm": "扬言轻生/自伤", "violence": "暴力/治安",
}  # fmt: skip

CODE = re.compile(r"(?<![\w-])(\d{6,14}(?:-[A-Z0-9]+)?|[A-Z]{2,}-\d{2,}[\w-]*)(?![\w-])")


def _pct(value: str) -> str:
    return f"{round(float(value) * 100)}%"


PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"no catalogue rule matches the category and area"), lambda m: "派单目录中没有与分类和区域相符的规则"),
    (re.compile(r"emergency: dispatched at once by "), lambda m: "特急，立即派单，依据"),
    (re.compile(r"catalogue rule (\S+?) × (\S+)(?: \(inherited from (\S+)\))? → (\S+?)(?=;|$)"),
     lambda m: f"派单目录：{m[1]} × {m[2]}" + (f"（沿用 {m[3]} 的规则）" if m[3] else "") + f" → {m[4]}"),
    (re.compile(r"; confidence ([\d.]+) ≥ ([\d.]+)"),
     lambda m: f"；分类置信度 {_pct(m[1])} 达到自动派单阈值 {_pct(m[2])}"),
    (re.compile(r"; confidence ([\d.]+) < ([\d.]+), needs a dispatcher"),
     lambda m: f"；分类置信度 {_pct(m[1])} 低于阈值 {_pct(m[2])}，需人工派单"),
    (re.compile(r"returned (\d+) times; 三跨 coordination needed"), lambda m: f"已退单 {m[1]} 次，需三跨协调"),
    (re.compile(r"closed with parent case (\S+)"), lambda m: f"随主工单 {m[1]} 一并结案"),
    (re.compile(r"marked emergency at intake"), lambda m: "受理时标为特急"),
    (re.compile(r"\b([a-z_]+): “"), lambda m: f"{URGENCY_RULES.get(m[1], m[1])}：“"),
]  # fmt: skip


def in_chinese(reason: str | None, names: Mapping[str, str] | None = None) -> str:
    """The reason in Chinese, with unit and area codes followed by their names where known."""
    if not reason:
        return ""
    text = reason
    for pattern, words in PATTERNS:
        text = pattern.sub(words, text)
    if names:
        text = CODE.sub(lambda m: f"{names[m[1]]}（{m[1]}）" if m[1] in names else m[1], text)
    return text


def codes_in(*reasons: str | None) -> set[str]:
    """The unit and area codes a few reasons mention (to look their names up in one query)."""
    return {m[1] for r in reasons if r for m in CODE.finditer(r)}
