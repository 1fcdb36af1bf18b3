"""Urgency and emergency flags from report text: rules as data, every flag explained.

Recall first: a life-safety report must not be missed, so negation only cancels a match when the negation word
sits right before the phrase in the same clause ("没有闻到煤气味"); anything less certain
still raises the flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gridloop.kernel.labels import LabeledEnum


class IncidentType(LabeledEnum):
    """The four kinds of 突发事件 (Emergency Response Law of the PRC)."""

    NATURAL = ("natural_disaster", "自然灾害", "Natural disaster", "#0ea5e9")
    ACCIDENT = ("accident", "事故灾难", "Accident / disaster", "#dc2626")
    PUBLIC_HEALTH = ("public_health", "公共卫生事件", "Public health event", "#16a34a")
    SOCIAL_SAFETY = ("social_safety", "社会安全事件", "Social safety event", "#7c3aed")


NORMAL = "normal"
URGENT = "urgent"
EMERGENCY = "emergency"
_RANK = {NORMAL: 0, URGENT: 1, EMERGENCY: 2}


@dataclass(frozen=True)
class UrgencyRule:
    """Phrases that raise a report to a level; 'A+B' needs both parts in one sentence."""

    name: str
    level: str
    phrases: tuple[str, ...]
    incident: IncidentType | None = None


URGENCY_RULES: tuple[UrgencyRule, ...] = (
    UrgencyRule(
        "gas_leak",
        EMERGENCY,
        (
            "煤气味",
            "燃气味",
            "天然气味",
            "煤气泄漏",
            "燃气泄漏",
            "天然气泄漏",
            "液化气泄漏",
            "闻到煤气",
            "闻到燃气",
            "漏气+燃气",
            "漏气+煤气",
            "gas leak",
            "smell gas",
        ),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "fire",
        EMERGENCY,
        ("着火", "起火", "失火", "火灾", "冒烟+楼", "浓烟", "火势", "烧起来", "爆炸", "fire"),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "trapped_lift",
        EMERGENCY,
        (
            "困在电梯",
            "被困电梯",
            "电梯困人",
            "电梯里被困",
            "关在电梯",
            "困电梯",
            "电梯+被困",
            "trapped in lift",
            "stuck in elevator",
        ),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "flooding_home",
        EMERGENCY,
        ("水漫进家", "水进家", "进水+家里", "水灌进", "倒灌", "家里进水", "屋里进水", "淹到", "被淹", "水淹"),
        IncidentType.NATURAL,
    ),
    UrgencyRule(
        "collapse",
        EMERGENCY,
        ("倒塌", "坍塌", "塌方", "要塌", "快塌", "墙体开裂+倾斜", "随时可能倒", "摇摇欲坠", "塌陷"),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "fallen_tree",
        EMERGENCY,
        ("大树倒", "树倒", "树木倒伏", "树倒在路", "倒伏+路", "树+砸"),
        IncidentType.NATURAL,
    ),
    UrgencyRule(
        "open_manhole",
        EMERGENCY,
        (
            "井盖丢失",
            "井盖缺失",
            "井盖不见",
            "没有井盖",
            "井盖被偷",
            "井盖坏了",
            "窨井盖+丢",
            "窨井盖+缺",
            "下水道口敞开",
            "井盖+掉",
        ),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "electric",
        EMERGENCY,
        ("电线掉落", "电线垂落", "电线+冒火", "漏电", "触电", "高压线+断"),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "life_threat",
        EMERGENCY,
        (
            "有人落水",
            "落水",
            "跳楼",
            "轻生",
            "自杀",
            "昏迷",
            "晕倒",
            "没有呼吸",
            "命悬一线",
            "生命危险",
            "人被砸",
            "被压",
            "受重伤",
            "流血不止",
        ),
        IncidentType.ACCIDENT,
    ),
    UrgencyRule(
        "violence",
        EMERGENCY,
        ("持刀", "砍人", "打架斗殴", "群殴", "杀人", "抢劫", "绑架", "聚集闹事", "群体性"),
        IncidentType.SOCIAL_SAFETY,
    ),
    UrgencyRule(
        "public_health",
        EMERGENCY,
        ("食物中毒", "集体中毒", "中毒", "疫情", "传染病", "聚集性发热", "多人发烧", "霍乱", "狂犬"),
        IncidentType.PUBLIC_HEALTH,
    ),
    UrgencyRule(
        "disaster",
        EMERGENCY,
        ("台风", "暴雨+被困", "地震", "山体滑坡", "泥石流", "洪水", "内涝+被困"),
        IncidentType.NATURAL,
    ),
    UrgencyRule(
        "hazard",
        URGENT,
        (
            "安全隐患",
            "随时可能",
            "很危险",
            "非常危险",
            "危险",
            "险些",
            "差点",
            "摔倒",
            "砸到",
            "积水严重",
            "爆管",
            "水管爆",
            "停水",
            "停电",
            "断水",
            "断电",
            "没有暖气",
            "电梯故障",
            "电梯坏",
            "护栏缺失",
            "裂缝",
        ),
        None,
    ),
    UrgencyRule("vulnerable", URGENT, ("老人+独居", "孤寡老人", "走失", "儿童+被困", "孕妇", "残疾人+困"), None),
    UrgencyRule("insistent", URGENT, ("紧急", "十万火急", "刻不容缓", "尽快处理", "马上处理", "urgent", "asap"), None),
)

HYPOTHETICAL = (
    "隐患",
    "一旦",
    "如果",
    "万一",
    "可能",
    "容易",
    "极易",
    "引发",
    "防止",
    "预防",
    "担心",
    "风险",
    "若",
    "以免",
    "避免",
    "导致",
    "造成",
)
"""A hazard that might happen (存在火灾隐患) is urgent, not an emergency happening now."""

IMMINENT = ("随时", "马上", "快要", "即将", "就要", "眼看", "正在", "已经")
"""…unless it is imminent or already happening (随时可能倒塌 stays an emergency)."""

NEGATIONS = ("没有", "没", "无", "未", "不是", "并非", "不再", "已经没有", "no ", "not ")
_SENTENCE = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class UrgencyFlag:
    """Level, incident type (emergencies) and the words that raised it."""

    level: str
    incident_type: IncidentType | None
    reason: str
    rules: tuple[str, ...] = ()


def _negated(sentence: str, start: int) -> bool:
    """A negation word ends right before the match (at most 2 characters between) in the same clause."""
    window = sentence[max(0, start - 6) : start]
    window = re.split(r"[，,、]", window)[-1]
    return any(window.endswith(n) or window[:-1].endswith(n) or window[:-2].endswith(n) for n in NEGATIONS)


def _hypothetical(sentence: str, phrase: str) -> bool:
    """The clause around the phrase speaks of a risk or possibility, not of something happening."""
    part = _parts(phrase)[0]
    pos = sentence.find(part)
    clause_start = max(sentence.rfind(c, 0, pos) for c in "，,、") + 1
    clause_end = min([i for i in (sentence.find(c, pos) for c in "，,、") if i >= 0] or [len(sentence)])
    clause = sentence[clause_start:clause_end]
    if any(w in clause for w in IMMINENT):
        return False
    return any(h in clause for h in HYPOTHETICAL)


def _match(sentence: str, phrase: str) -> bool:
    parts = [p for p in phrase.split("+") if p]
    for part in parts:
        pos = sentence.find(part)
        if pos < 0:
            return False
        if len(parts) == 1 and _negated(sentence, pos):
            # a negated first occurrence may be followed by a real one
            return any(not _negated(sentence, m.start()) for m in re.finditer(re.escape(part), sentence))
    return True


_PARTS: dict[str, tuple[str, ...]] = {}


def _parts(phrase: str) -> tuple[str, ...]:
    got = _PARTS.get(phrase)
    if got is None:
        got = _PARTS[phrase] = tuple(p for p in phrase.split("+") if p)
    return got


_BY_PART: dict[int, dict[str, tuple[tuple[int, int], ...]]] = {}


def _by_part(rules: tuple[UrgencyRule, ...]) -> dict[str, tuple[tuple[int, int], ...]]:
    """Part → (rule index, phrase index) of every phrase using it."""
    key = id(rules)
    got = _BY_PART.get(key)
    if got is None:
        acc: dict[str, list[tuple[int, int]]] = {}
        for ri, rule in enumerate(rules):
            for pi, phrase in enumerate(rule.phrases):
                for part in _parts(phrase):
                    acc.setdefault(part, []).append((ri, pi))
        got = _BY_PART[key] = {k: tuple(v) for k, v in acc.items()}
    return got


_COMPILED: dict[int, tuple[re.Pattern[str], dict[str, tuple[str, ...]]]] = {}


def _pattern(rules: tuple[UrgencyRule, ...]) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One alternation of every phrase part (scanned once per text), and for each part the parts a match of
    it can hide (they start inside it), which are then checked directly."""
    key = id(rules)
    got = _COMPILED.get(key)
    if got is None:
        parts = sorted({p for r in rules for ph in r.phrases for p in _parts(ph)}, key=len, reverse=True)
        pat = re.compile("|".join(re.escape(p) for p in parts))
        hidden = {
            m: tuple(p for p in parts if p != m and (p in m or any(p.startswith(m[i:]) for i in range(1, len(m)))))
            for m in parts
        }
        got = (pat, hidden)
        _COMPILED[key] = got
    return got


def assess_urgency(text: str, *, rules: tuple[UrgencyRule, ...] = URGENCY_RULES) -> UrgencyFlag:
    """The urgency of a report: the highest level any rule reaches, with the phrases that matched."""
    lowered = text.lower()
    pattern, hidden = _pattern(rules)
    present = set(pattern.findall(lowered))
    present |= {p for m in tuple(present) for p in hidden[m] if p in lowered}
    if not present:
        return UrgencyFlag(NORMAL, None, "")
    sentences: list[str] | None = None
    best_level = NORMAL
    incident: IncidentType | None = None
    hits: list[tuple[UrgencyRule, str]] = []
    # only phrases with a part in the text are candidates; checked in rule order, first match per rule
    candidates = sorted({c for p in present for c in _by_part(rules).get(p, ())})
    done: set[int] = set()
    for ri, pi in candidates:
        if ri in done:
            continue
        rule = rules[ri]
        phrase = rule.phrases[pi]
        if not all(p in present for p in _parts(phrase)):
            continue
        if sentences is None:
            sentences = [s for s in _SENTENCE.split(lowered) if s.strip()] or [lowered]
        matched = [s for s in sentences if _match(s, phrase)]
        if matched:
            level = rule.level
            if level == EMERGENCY and all(_hypothetical(s, phrase) for s in matched):
                level = URGENT
            hits.append((rule, phrase if level == rule.level else f"{phrase}（可能/隐患）"))
            if _RANK[level] > _RANK[best_level]:
                best_level = level
                incident = rule.incident if level == EMERGENCY else None
            done.add(ri)
    if not hits:
        return UrgencyFlag(NORMAL, None, "")
    top = [(r, p) for r, p in hits if (r.level == best_level) == ("（" not in p) or best_level == URGENT]
    reason = "; ".join(f"{r.name}: “{p}”" for r, p in top[:4])
    return UrgencyFlag(
        best_level, incident if best_level == EMERGENCY else None, reason, tuple(r.name for r, _ in hits)
    )
