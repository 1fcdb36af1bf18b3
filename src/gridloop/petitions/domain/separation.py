"""诉访分离: does a matter belong to litigation, arbitration, administrative reconsideration or another statutory
procedure? Rules are data (terms → channel, unit, guidance); every decision lists the rules that fired and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gridloop.petitions.domain.model import LegalChannel, LegalUnit


@dataclass(frozen=True)
class SeparationRule:
    """One rule: if any of `terms` occurs in the text, the matter points to `channel` (weight adds up)."""

    key: str
    channel: LegalChannel
    unit: LegalUnit | None
    terms: tuple[str, ...]
    weight: float
    why: str
    guidance: str


DEFAULT_RULES: tuple[SeparationRule, ...] = (
    SeparationRule("court_judgment", LegalChannel.LITIGATION, LegalUnit.COURT,
                   ("判决", "裁定书", "调解书", "已起诉", "起诉", "上诉", "再审", "诉讼", "法院"), 2.0,
                   "the matter concerns a court case or a court's decision",
                   "依法向人民法院起诉、上诉或申请再审；已有生效裁判的，向作出裁判的法院申请执行或申诉。"),
    SeparationRule("court_enforcement", LegalChannel.LITIGATION, LegalUnit.COURT,
                   ("执行难", "申请执行", "强制执行", "执行款"), 2.0,
                   "the matter asks for enforcement of a judgment",
                   "向作出生效裁判的人民法院申请强制执行。"),
    SeparationRule("labour_arbitration", LegalChannel.ARBITRATION, None,
                   ("劳动仲裁", "劳动争议", "劳动合同", "辞退", "经济补偿金", "工伤认定"), 1.5,
                   "a labour dispute goes to labour arbitration before court",
                   "向劳动人事争议仲裁委员会申请仲裁（一般自知道权利被侵害之日起一年内）。"),
    SeparationRule("commercial_arbitration", LegalChannel.ARBITRATION, None,
                   ("仲裁条款", "仲裁协议", "仲裁委员会"), 2.0,
                   "the parties agreed to arbitration",
                   "按合同约定向仲裁委员会申请仲裁。"),
    SeparationRule("admin_decision", LegalChannel.ADMIN_RECONSIDERATION, LegalUnit.JUSTICE_BUREAU,
                   ("行政处罚", "处罚决定", "行政复议", "吊销", "罚款决定", "责令停产", "行政许可决定"), 1.5,
                   "the petitioner disputes an administrative decision, which administrative reconsideration "
                   "or administrative litigation reviews",
                   "自知道该行政行为之日起六十日内向行政复议机关申请复议，或依法提起行政诉讼。"),
    SeparationRule("criminal", LegalChannel.CRIMINAL_REPORT, LegalUnit.PUBLIC_SECURITY,
                   ("诈骗", "盗窃", "报案", "立案侦查", "刑事", "非法集资", "人身伤害"), 1.5,
                   "the matter reports a suspected crime, for the police to take up",
                   "向公安机关报案；对不予立案决定不服的，可申请复议或请求检察机关监督。"),
    SeparationRule("procuratorate", LegalChannel.PROSECUTORIAL_SUPERVISION, LegalUnit.PROCURATORATE,
                   ("抗诉", "检察监督", "不立案监督", "检察院"), 2.0,
                   "the matter asks for the procuratorate's legal supervision",
                   "向人民检察院申请法律监督。"),
)  # fmt: skip

#: Below this score the matter stays a petition (rules can fire on a passing word).
THRESHOLD = 1.5


@dataclass(frozen=True)
class Hit:
    """One rule that fired and the words that made it fire."""

    rule: str
    channel: LegalChannel
    terms: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class SeparationDecision:
    """The answer: a legal channel (or None: handle as a petition), its unit, the guidance and the reasons."""

    channel: LegalChannel | None
    unit: LegalUnit | None
    score: float
    guidance: str
    hits: tuple[Hit, ...] = field(default_factory=tuple)

    @property
    def belongs_to_legal_channel(self) -> bool:
        """Whether the matter should be guided out of the petition channel."""
        return self.channel is not None

    def explanation(self) -> str:
        """One paragraph a petition officer can read (Chinese channel name, English reasons)."""
        if not self.hits:
            return "No rule fired: handle as a petition."
        parts = [f"{h.rule} ({'、'.join(h.terms)}): {h.why}" for h in self.hits]
        head = (
            f"Belongs to {self.channel.zh} ({self.channel.en}), score {self.score:g} ≥ {THRESHOLD:g}"
            if self.channel
            else f"Score {self.score:g} < {THRESHOLD:g}: handle as a petition, but note"
        )
        return head + ": " + "; ".join(parts) + "."

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "belongs_to_legal_channel": self.belongs_to_legal_channel,
            "channel": self.channel.value if self.channel else None,
            "channel_zh": self.channel.zh if self.channel else None,
            "unit": self.unit.value if self.unit else None,
            "score": self.score,
            "guidance": self.guidance,
            "explanation": self.explanation(),
            "hits": [{"rule": h.rule, "channel": h.channel.value, "terms": list(h.terms), "why": h.why}
                     for h in self.hits],
        }  # fmt: skip


def separate(text: str, *, rules: Sequence[SeparationRule] = DEFAULT_RULES) -> SeparationDecision:
    """Decide whether `text` belongs to a statutory procedure; the channel with the highest summed weight wins."""
    hits: list[Hit] = []
    scores: dict[LegalChannel, float] = {}
    best_rule: dict[LegalChannel, SeparationRule] = {}
    for rule in rules:
        found = tuple(t for t in rule.terms if t in text)
        if not found:
            continue
        hits.append(Hit(rule.key, rule.channel, found, rule.why))
        scores[rule.channel] = scores.get(rule.channel, 0.0) + rule.weight
        if rule.channel not in best_rule or rule.weight > best_rule[rule.channel].weight:
            best_rule[rule.channel] = rule
    if not scores:
        return SeparationDecision(None, None, 0.0, "")
    order = list(LegalChannel)
    channel = max(scores, key=lambda c: (scores[c], -order.index(c)))
    score = scores[channel]
    if score < THRESHOLD:
        return SeparationDecision(None, None, score, "", tuple(hits))
    rule = best_rule[channel]
    return SeparationDecision(channel, rule.unit, score, rule.guidance, tuple(hits))
