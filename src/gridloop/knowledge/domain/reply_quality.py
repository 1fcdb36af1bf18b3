"""Quality of a unit's reply to a citizen's message: relevance, completeness, interpretability, timeliness.

Pure rules over the texts and times. Each dimension is a score in [0, 1] built from signals listed as data
(`SIGNALS`), so an administrator can read and change what counts; docs/knowledge.md gives the agreement of the
scores with one team's 100 labels.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

#: Signal name → pattern searched in the reply.
SIGNALS: dict[str, re.Pattern[str]] = {
    # a rule or document cited
    "cites_document": re.compile(
        r"《[^》]{2,60}》|〔\d{4}〕|\[\d{4}\]|﹝\d{4}﹞|\d{4}\]\d+号|发〔|第[一二三四五六七八九十百\d]+条"
    ),
    "cites_basis": re.compile(r"根据|依据|按照|规定|文件精神|政策"),
    # what happens next or where to go
    "next_step": re.compile(r"下一步|将继续|将督促|将尽快|预计|计划于|拟于|正在|督促|限期|整改|跟踪"),
    "contact": re.compile(r"咨询电话|联系电话|可拨打|致电|详询|咨询|前往|窗口|办理"),
    # the matter was looked into and facts are given
    "investigated": re.compile(r"经查|经调查|调查核实|核实|实地|现场|了解到|走访|经核"),
    "facts": re.compile(r"\d+(\.\d+)?(平方米|公里|米|万元|元|户|人|亩|天|个|栋|辆|%|％)"),
    "structure": re.compile(r"[一二三四五六][、，]|（[一二三四五六]）|\d[、.．]"),
    # a reply that only forwards or asks the citizen to call
    "deflects": re.compile(r"未留下联系方式|没有说明|无法核实|请您看到回复后|不宜|不属于.{0,10}(职责|范围)"),
}


@dataclass(frozen=True)
class ReplyScore:
    """The four dimensions and their mean."""

    relevance: float
    completeness: float
    interpretability: float
    timeliness: float

    @property
    def overall(self) -> float:
        """Unweighted mean of the four dimensions."""
        return round((self.relevance + self.completeness + self.interpretability + self.timeliness) / 4, 4)


def _bigrams(text: str) -> set[str]:
    s = _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    return {s[i : i + 2] for i in range(len(s) - 1)}


def signals(reply: str) -> dict[str, bool]:
    """Which signals the reply shows."""
    return {name: bool(p.search(reply)) for name, p in SIGNALS.items()}


def relevance(reply: str, *, subject: str, detail: str = "") -> float:
    """Share of the message subject's character bigrams found in the reply (detail as a weaker fallback)."""
    got = _bigrams(reply)
    subj, det = _bigrams(subject), _bigrams(detail)
    s = len(subj & got) / len(subj) if subj else 0.0
    d = len(det & got) / len(det) if det else 0.0
    return round(min(1.0, max(s, 0.5 * s + 0.5 * min(1.0, 2 * d))), 4)


def completeness(reply: str) -> float:
    """Basis given, looked into, points structured, facts, next step, length; a deflecting reply is capped."""
    sig = signals(reply)
    n = len(_NON_WORD.sub("", reply))
    score = (
        0.25 * sig["cites_basis"]
        + 0.2 * sig["investigated"]
        + 0.2 * sig["structure"]
        + 0.15 * sig["facts"]
        + 0.1 * sig["next_step"]
        + 0.1 * min(1.0, n / 400)
    )
    if sig["deflects"]:
        score = min(score, 0.4)
    return round(score, 4)


def interpretability(reply: str) -> float:
    """Cites a rule or document, gives its basis, says where to ask, what was found and what happens next."""
    sig = signals(reply)
    score = (
        0.35 * sig["cites_document"]
        + 0.3 * sig["cites_basis"]
        + 0.15 * sig["contact"]
        + 0.1 * sig["investigated"]
        + 0.1 * sig["next_step"]
    )
    return round(score, 4)


def timeliness(asked: datetime, *, answered: datetime, limit_days: int = 15) -> float:
    """1 within the limit, falling linearly to 0 at three times the limit (a reply before the message scores 0)."""
    days = (answered - asked).total_seconds() / 86400
    if days < 0:
        return 0.0
    if days <= limit_days:
        return 1.0
    return round(max(0.0, 1 - (days - limit_days) / (2 * limit_days)), 4)


def score_reply(
    reply: str, *, subject: str, detail: str, asked: datetime, answered: datetime, limit_days: int = 15
) -> ReplyScore:
    """All four dimensions of one reply."""
    return ReplyScore(
        relevance(reply, subject=subject, detail=detail),
        completeness(reply),
        interpretability(reply),
        timeliness(asked, answered=answered, limit_days=limit_days),
    )
