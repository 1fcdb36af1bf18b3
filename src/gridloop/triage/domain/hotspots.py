"""Hot issues (热点问题): the heat index and how a cluster is named. Standard library only.

heat = 0.40·ln(1+R) + 0.15·ln(1+N) + 0.30·ln(1+L+D) + 0.10·ln(1+N/W) + 0.05·ln(1+G)
  R distinct reporters · N reports · L likes · D dislikes (both show attention) ·
  W span in weeks (at least 1) → N/W is intensity · G growth = reports in the later half of the span
  divided by reports in the earlier half (1 when all on one day).
Distinct reporters weigh most so that one person posting twenty times does not outrank twenty people.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

WEIGHTS = {"reporters": 0.40, "reports": 0.15, "reactions": 0.30, "intensity": 0.10, "growth": 0.05}
_ADMIN = re.compile(r"^(?:[A-Z]\d*[市区县]|西地省|上海市?|[\u4e00-\u9fff]{2}区)+")
_PUNCT = re.compile(r"[\s\W_]+")
_STOP = (
    "存在",
    "关于",
    "反映",
    "投诉",
    "举报",
    "咨询",
    "请问",
    "建议",
    "问题",
    "请求",
    "希望",
    "要求",
    "严重",
    "为什么",
)


@dataclass(frozen=True)
class HeatInputs:
    """What the heat index is computed from."""

    reports: int
    reporters: int
    likes: int
    dislikes: int
    first: datetime
    last: datetime
    growth: float


def growth_ratio(times: Sequence[datetime]) -> float:
    """Reports in the later half of the span over reports in the earlier half (1.0 for a single instant)."""
    if not times:
        return 0.0
    first, last = min(times), max(times)
    if first == last:
        return 1.0
    mid = first + (last - first) / 2
    early = sum(t <= mid for t in times)
    return (len(times) - early) / max(early, 1)


def heat_index(h: HeatInputs) -> float:
    """The documented heat index of a cluster."""
    weeks = max(1.0, (h.last - h.first).total_seconds() / (7 * 86400))
    value = (
        WEIGHTS["reporters"] * math.log1p(h.reporters)
        + WEIGHTS["reports"] * math.log1p(h.reports)
        + WEIGHTS["reactions"] * math.log1p(h.likes + h.dislikes)
        + WEIGHTS["intensity"] * math.log1p(h.reports / weeks)
        + WEIGHTS["growth"] * math.log1p(h.growth)
    )
    return round(value, 4)


def _clean_title(title: str) -> str:
    t = _PUNCT.sub("", title)
    for stop in _STOP:
        t = t.replace(stop, "")
    return _ADMIN.sub("", t)


def common_place(titles: Sequence[str], *, min_len: int = 3, max_len: int = 10) -> str:
    """The longest substring shared by most titles (a place or group name such as 伊景园滨河苑)."""
    cleaned = [_clean_title(t) for t in titles if t]
    if not cleaned:
        return ""
    if len(cleaned) == 1:
        return cleaned[0][:max_len]
    counts: Counter[str] = Counter()
    for t in cleaned:
        grams = {t[i : i + n] for n in range(min_len, max_len + 1) for i in range(len(t) - n + 1)}
        counts.update(g for g in grams if not any(s in g for s in _STOP))
    if not counts:
        return cleaned[0][:max_len]
    need = max(2, math.ceil(0.5 * len(cleaned)))
    frequent = [(g, c) for g, c in counts.items() if c >= min(need, counts.most_common(1)[0][1])]
    joined = "\n".join(cleaned)

    def rank(gc: tuple[str, int]) -> tuple[bool, int, int, int, str]:
        # deterministic: coverage, length × support, support, then the earliest (names lead titles)
        return (gc[1] >= need, len(gc[0]) * min(gc[1], need), gc[1], -joined.find(gc[0]), gc[0])

    best = max(frequent, key=rank)
    return best[0]


def shared_name(title_a: str, title_b: str, *, min_len: int = 4) -> str:
    """The longest substring (≥ min_len, not a stock phrase) that two titles share, or ''."""
    a, b = _clean_title(title_a), _clean_title(title_b)
    if len(a) > len(b):
        a, b = b, a
    for n in range(len(a), min_len - 1, -1):
        for i in range(len(a) - n + 1):
            g = a[i : i + n]
            if g in b and not any(s in g for s in _STOP):
                return g
    return ""


@dataclass(frozen=True)
class Message:
    """A report as hot-issue mining sees it."""

    key: str
    user: str
    title: str
    text: str
    when: datetime
    likes: int = 0
    dislikes: int = 0


@dataclass
class HotIssue:
    """One ranked cluster: the row of 热点问题表 plus its member messages (热点问题留言明细表)."""

    rank: int
    issue_id: int
    heat: float
    first: datetime
    last: datetime
    place: str
    description: str
    reporters: int
    likes: int
    dislikes: int
    growth: float
    members: list[Message] = field(default_factory=list)

    @property
    def time_range(self) -> str:
        """'YYYY/MM/DD 至 YYYY/MM/DD' as in the Teddy Cup tables."""
        return f"{self.first:%Y/%m/%d} 至 {self.last:%Y/%m/%d}"
