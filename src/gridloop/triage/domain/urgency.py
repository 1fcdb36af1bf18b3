"""Emergency and urgency flags from report text: rules as data over word lists, every flag explained.

Built for recall on what a city hotline hears (issue 18): a rule is a set of phrases, each phrase one or more
parts that must all occur as words in one sentence (`A+B`); a part may name a word list (`@GAS+@LEAK`: any gas
word and any leak word). Then each match is read in its context, per clause:

- **negated** (`没有闻到煤气味`, `不会倒塌`, `没有人受伤`): the match does not count;
- **past** (`去年…进水`, `上个月…着火`, `已经修好`), **in passing** (`新闻里`, `演习`, `宣传`) or an **inquiry about a
  service** (`请问…报警器`, `怎么申请`): it does not count, unless the text also says it is happening now
  (`正在`, `快来`, `救命`);
- **a risk** (`存在火灾隐患`, `万一…塌下来`): urgent, not an emergency — but an emergency stated in any clause is
  never demoted by a hedging word elsewhere (`外墙已经塌下来一块…存在很大隐患` stays an emergency), nor in its own
  clause when the clause says it is happening (`已经`, `正在`, `随时`…).

Words are matched as words (domain/words.py: not inside a longer word with another meaning; with jieba when the
caller injects a segmenter). The incident taxonomy follows the four national types of 突发事件, with the
incident kinds the emergency loop uses.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gridloop.kernel.labels import LabeledEnum
from gridloop.triage.domain.words import Locate, LocatorFactory, Segmenter, occurrences, regex_locator


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

INCIDENT_KINDS: dict[str, tuple[IncidentType, str]] = {
    "gas": (IncidentType.ACCIDENT, "燃气泄漏"),
    "chemical": (IncidentType.ACCIDENT, "危化品泄漏/异味"),
    "fire": (IncidentType.ACCIDENT, "火灾"),
    "collapse": (IncidentType.ACCIDENT, "坍塌"),
    "machinery_trapped": (IncidentType.ACCIDENT, "电梯/机械困人夹人"),
    "traffic_injury": (IncidentType.ACCIDENT, "交通事故伤人"),
    "child_trapped": (IncidentType.ACCIDENT, "儿童被困/遇险"),
    "electric": (IncidentType.ACCIDENT, "触电/电线断落"),
    "open_manhole": (IncidentType.ACCIDENT, "窨井盖缺失"),
    "drowning": (IncidentType.ACCIDENT, "落水"),
    "flooding": (IncidentType.NATURAL, "进水/内涝"),
    "fallen_tree": (IncidentType.NATURAL, "树木倒伏"),
    "disaster": (IncidentType.NATURAL, "自然灾害"),
    "food_poisoning": (IncidentType.PUBLIC_HEALTH, "群体性食物中毒"),
    "medical": (IncidentType.PUBLIC_HEALTH, "急症/昏迷"),
    "epidemic": (IncidentType.PUBLIC_HEALTH, "传染病/聚集性发热"),
    "self_harm": (IncidentType.SOCIAL_SAFETY, "扬言轻生/自伤"),
    "violence": (IncidentType.SOCIAL_SAFETY, "暴力/治安"),
}
"""Incident kind → (national type, label). The kinds are the ones the emergency loop plans and dispatches for."""

WORD_LISTS: dict[str, tuple[str, ...]] = {
    "GAS": ("煤气", "燃气", "天然气", "液化气", "液化石油气", "钢瓶", "燃气管", "煤气管"),
    "LEAK": ("漏", "泄漏", "漏气", "嘶嘶", "冒气", "往外冒", "挖断", "钻穿", "报警器一直", "报警器在叫"),
    "SMELL": ("味", "气味", "味道", "异味", "闻到", "刺鼻", "呛"),
    "CHEM": ("化学", "化工", "危化品", "危险品", "槽罐车", "有毒", "毒气", "氨水", "氨气", "硫酸", "盐酸", "农药",
             "稀释剂", "药水", "黄烟", "白烟", "酸味", "塑料味", "刺激性气味"),
    "SYMPTOM": ("头晕", "头痛", "头疼", "恶心", "呕吐", "想吐", "咳嗽", "咳得", "眼睛痛", "眼睛辣", "流眼泪", "喉咙",
                "睁不开", "透不过气", "不适", "昏", "难受"),
    "MEAL": ("吃", "食堂", "午饭", "早饭", "晚饭", "午餐", "晚餐", "盒饭", "喜酒", "聚餐", "团建", "外卖", "饭菜",
             "饭"),
    "GI": ("进医院", "送医院", "送医", "急诊", "上吐下泻", "呕吐", "吐", "腹泻", "拉肚子", "肚子痛", "肚子疼",
           "发烧", "头晕"),
    "MANY": ("多人", "多名", "好几个", "几个人", "十几", "二十几", "一桌", "七八个", "十来个", "一个个", "好些",
             "大家", "全班", "班上", "部门", "同事", "工友们", "员工", "小朋友", "老人", "们"),
    "COLLIDE": ("撞", "追尾", "车祸", "交通事故", "刮倒", "碾", "轧"),
    "INJURY": ("受伤", "流血", "血", "躺在地上", "倒地", "不动了", "卡在", "出不来", "压在", "救命", "120", "头破",
               "伤者", "昏迷"),
    "CHILD": ("小孩", "孩子", "小朋友", "儿子", "女儿", "小囡", "幼童", "婴儿", "宝宝", "儿童"),
    "TRAP": ("锁在", "反锁", "关在", "困在", "卡在", "卡住", "出不来", "打不开", "拔不出", "扣上", "被锁", "锁着"),
    "DANGER_SPOT": ("空调架", "窗外", "窗台外", "掉下去", "掉进", "河里", "水里"),
    "MACHINE": ("电梯", "搅拌机", "绞肉机", "卷扬机", "叉车", "压力机",
                "扶梯", "冲床", "机器", "机械", "货架", "升降", "设备", "轿厢", "传送带", "机床"),
    "CAUGHT": ("困", "关牢", "卡在", "卡住", "夹住", "夹在", "压住", "压在", "卷进", "出不来", "关在"),
    "STRUCTURE": ("墙", "房", "楼", "阳台", "天花板", "屋顶", "脚手架", "围墙", "路面", "地面", "外墙", "顶", "吊顶"),
    "FALL": ("倒下来", "掉下来", "倒了", "塌", "陷下去", "砸"),
    "BUILDING": ("窗口", "楼上", "楼里", "楼道", "屋里", "家里", "房子", "几楼", "六楼", "五楼", "层"),
    "WATER": ("水", "雨水", "污水"),
    "INRUSH": ("冲进", "涌", "漫", "灌"),
}  # fmt: skip
"""Word lists named in phrases as `@NAME`."""


@dataclass(frozen=True)
class UrgencyRule:
    """Phrases that raise a report to a level; 'A+B' needs every part in one sentence, '@NAME' is a word list."""

    name: str
    level: str
    phrases: tuple[str, ...]
    incident: IncidentType | None = None
    kind: str | None = None


def _rule(kind: str, *phrases: str) -> UrgencyRule:
    return UrgencyRule(kind, EMERGENCY, phrases, INCIDENT_KINDS[kind][0], kind)


URGENCY_RULES: tuple[UrgencyRule, ...] = (
    _rule("gas", "@LEAK+@GAS", "@SMELL+@GAS", "臭鸡蛋", "gas leak", "smell gas"),
    _rule("chemical", "@CHEM+@LEAK", "@CHEM+@SMELL", "@CHEM+@SYMPTOM", "刺鼻+@SYMPTOM", "呛+@SYMPTOM"),
    _rule("fire", "着火", "起火", "失火", "火灾", "浓烟", "烧起来", "火苗", "火情", "明火", "火势", "爆炸",
          "黑烟滚滚", "冒烟+@BUILDING", "冒黑烟+@BUILDING", "fire"),
    _rule("machinery_trapped", "电梯困人", "困在电梯", "被困电梯", "困电梯", "@CAUGHT+@MACHINE",
          "trapped in lift", "stuck in elevator"),
    _rule("flooding", "进水", "水漫", "漫进", "灌进", "灌到", "倒灌", "被淹", "水淹", "淹了", "泡在水里", "冒水",
          "@INRUSH+@WATER"),
    _rule("collapse", "倒塌", "坍塌", "塌方", "塌陷", "塌下来", "塌了", "拆塌", "要塌", "快塌", "陷下去",
          "随时可能倒", "摇摇欲坠", "@FALL+@STRUCTURE"),
    _rule("fallen_tree", "大树倒", "树倒", "树木倒伏", "倒下来+树", "砸+树", "压在+树"),
    _rule("open_manhole", "井盖丢失", "井盖缺失", "井盖不见", "没有井盖", "井盖被偷", "窨井盖+丢", "窨井盖+不见",
          "下水道口敞开", "井盖+掉"),
    _rule("electric", "断+电线", "掉+电线", "垂+电线", "高压线", "火花", "触电", "漏电"),
    _rule("traffic_injury", "@COLLIDE+@INJURY"),
    _rule("child_trapped", "@TRAP+@CHILD", "@DANGER_SPOT+@CHILD"),
    _rule("self_harm", "跳下去", "跳下来", "跳楼", "轻生", "自杀", "不想活", "活着没意思", "了结自己", "寻死",
          "遗书", "安眠药", "割腕", "天台边"),
    _rule("drowning", "落水", "溺水", "掉进河", "扑腾"),
    _rule("medical", "昏迷", "晕倒", "叫不醒", "没有呼吸", "没呼吸", "嘴唇发紫", "抽搐", "倒在地上", "心脏骤停",
          "不省人事", "命悬一线", "生命危险", "流血不止", "受重伤", "人被砸"),
    _rule("violence", "持刀", "砍人", "拿着刀", "拿刀", "打起来", "打架斗殴", "群殴", "杀人", "抢劫", "绑架",
          "打倒在地", "聚集闹事", "群体性"),
    _rule("food_poisoning", "食物中毒", "集体中毒", "中毒", "@GI+@MEAL+@MANY"),
    _rule("epidemic", "疫情", "传染病", "聚集性发热", "多人发烧", "霍乱", "狂犬病"),
    _rule("disaster", "被困+台风", "被困+暴雨", "地震", "山体滑坡", "泥石流", "洪水", "被困+内涝", "龙卷风"),
    UrgencyRule(
        "hazard",
        URGENT,
        ("安全隐患", "随时可能", "很危险", "非常危险", "危险", "险些", "差点", "摔倒", "砸到", "积水严重", "爆管",
         "水管爆", "停水", "停电", "断水", "断电", "没有暖气", "电梯故障", "电梯坏", "护栏缺失", "裂缝"),
    ),
    UrgencyRule("vulnerable", URGENT, ("老人+独居", "孤寡老人", "走失", "儿童+被困", "孕妇", "残疾人+困")),
    UrgencyRule("insistent", URGENT, ("紧急", "十万火急", "刻不容缓", "尽快处理", "马上处理", "urgent", "asap")),
)  # fmt: skip

HYPOTHETICAL = ("隐患", "一旦", "如果", "万一", "可能", "容易", "极易", "引发", "防止", "预防", "担心", "风险",
                "若", "以免", "避免", "导致", "造成", "的话", "哪天", "会不会出")  # fmt: skip
"""A hazard that might happen (存在火灾隐患) is urgent, not an emergency happening now."""

IMMINENT = ("随时", "马上", "快要", "即将", "就要", "眼看", "正在", "已经", "还在", "一直在", "了")
"""…unless its clause says it is imminent or happening (随时可能倒塌, 已经塌下来一块)."""

PAST = ("去年", "前年", "上个月", "上月", "上周", "上礼拜", "上星期", "以前", "之前", "曾经", "当年", "几年前",
        "前几年", "年前", "那几年", "那年", "当时", "期间", "那次", "那时候")  # fmt: skip
"""Before the matched words, these say the event is over: a report about its aftermath, not an emergency."""

RESOLVED = ("修好", "已经处理", "处理好", "出院", "锯掉", "树桩", "重建", "救起来", "被救", "赔偿款")
"""Anywhere in the sentence, these say the event was dealt with."""

PASSING = ("新闻", "电视上", "网上看到", "听说", "演习", "演练", "宣传", "培训", "案例", "模拟", "别的地方",
           "规定", "课程", "讲座", "防范", "防火灾", "报道")  # fmt: skip
"""The event is mentioned in passing (news, drills, campaigns, rules), not reported."""

INQUIRY = ("请问", "咨询", "想问", "想了解", "了解一下", "怎么申请", "如何申请", "申请补助", "能报销", "报销吗",
           "流程", "哪里可以", "在哪里可以", "号码是多少", "要不要赔偿", "怎么交", "是什么时候")  # fmt: skip
"""The caller asks about a service (报警器 installation, compensation, a hotline number), not for help."""

NOW = ("正在", "还在", "刚刚", "刚才", "快来", "救命", "马上派", "请速", "快点", "速到", "赶紧", "快派",
       "一直在")  # fmt: skip
"""Words that say it is happening now: past, passing and inquiry readings are then not applied."""

NEGATIONS = ("没有", "没", "无", "未", "不是", "并非", "不会", "不再", "并没有", "no ", "not ")
_SENTENCE = re.compile(r"[。！？!?；;\n]")
_CLAUSE = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class UrgencyFlag:
    """Level, incident type and kind (emergencies), the words that raised it, and readings set aside."""

    level: str
    incident_type: IncidentType | None
    reason: str
    rules: tuple[str, ...] = ()
    kind: str | None = None
    set_aside: tuple[str, ...] = ()


def _parts(phrase: str) -> tuple[str, ...]:
    return tuple(p for p in phrase.split("+") if p)


def _words(part: str) -> tuple[str, ...]:
    return WORD_LISTS[part[1:]] if part.startswith("@") else (part,)


@dataclass(frozen=True)
class _Compiled:
    locate: Locate
    """Every occurrence of the rules' words in a (lower-cased) text."""
    phrases: tuple[tuple[tuple[str, tuple[frozenset[str], ...], tuple[str, ...]], ...], ...]
    """Per rule: (phrase, the word set of each part, the part names)."""
    parts_of: dict[str, tuple[tuple[int, int, int], ...]]
    """Word → (rule, phrase, bit of the part) of every phrase part it can fill."""
    full: tuple[tuple[int, ...], ...]
    """Per rule, per phrase: the bits of all its parts (a phrase can match only when every part is filled)."""


_COMPILED: dict[tuple[int, int], _Compiled] = {}


def _compiled(rules: tuple[UrgencyRule, ...], locator: LocatorFactory) -> _Compiled:
    """Everything the scan needs, built once per rule set (and word locator)."""
    key = (id(rules), id(locator))
    got = _COMPILED.get(key)
    if got is None:
        words = sorted({w for r in rules for ph in r.phrases for p in _parts(ph) for w in _words(p)})
        phrases = tuple(
            tuple((ph, tuple(frozenset(_words(p)) for p in _parts(ph)), _parts(ph)) for ph in r.phrases) for r in rules
        )
        parts_of: dict[str, list[tuple[int, int, int]]] = {}
        for ri, r in enumerate(rules):
            for phi, ph in enumerate(r.phrases):
                for pi, p in enumerate(_parts(ph)):
                    for w in _words(p):
                        parts_of.setdefault(w, []).append((ri, phi, 1 << pi))
        got = _COMPILED[key] = _Compiled(
            locator(words),
            phrases,
            {k: tuple(v) for k, v in parts_of.items()},
            tuple(tuple((1 << len(_parts(ph))) - 1 for ph in r.phrases) for r in rules),
        )
    return got


def _clause(sentence: str, start: int) -> str:
    lo = max((m.end() for m in _CLAUSE.finditer(sentence, 0, start)), default=0)
    nxt = _CLAUSE.search(sentence, start)
    return sentence[lo : nxt.start() if nxt else len(sentence)]


def _negated(sentence: str, start: int) -> bool:
    """A negation word ends right before the match (at most 2 characters between) in the same clause."""
    window = re.split(r"[，,、]", sentence[max(0, start - 6) : start])[-1]
    return any(window.endswith(n) or window[:-1].endswith(n) or window[:-2].endswith(n) for n in NEGATIONS)


@dataclass(frozen=True)
class _Occurrence:
    word: str
    sentence: int
    start: int


class _Reader:
    """One text split into sentences, with the valid word occurrences found on demand."""

    def __init__(self, text: str, found: dict[str, list[int]], segment: Segmenter | None) -> None:
        # sentences with their start in the text (the words hold no separator: each lies inside one sentence)
        starts, pieces, lo = [], [], 0
        for sep in _SENTENCE.finditer(text):
            if text[lo : sep.start()].strip():
                starts.append(lo)
                pieces.append(text[lo : sep.start()])
            lo = sep.end()
        if text[lo:].strip():
            starts.append(lo)
            pieces.append(text[lo:])
        self.sentences = pieces or [text]
        self.present = set(found)
        self.segment = segment
        self._found: dict[tuple[str, int], list[int]] = {}
        self._text = text
        self._now: bool | None = None
        # the sentences holding each word, as a bit mask: a phrase is read only in sentences holding a word of
        # every part
        self.mask: dict[str, int] = {}
        for w, at in found.items():
            m = 0
            for p in at:
                si = bisect_right(starts, p) - 1
                if si >= 0:
                    m |= 1 << si
            self.mask[w] = m if pieces else 1

    @property
    def now(self) -> bool:
        """Whether the text says it is happening now (read on first need)."""
        if self._now is None:
            self._now = any(w in self._text for w in NOW)
        return self._now

    def find(self, word: str, si: int) -> list[int]:
        key = (word, si)
        got = self._found.get(key)
        if got is None:
            s = self.sentences[si]
            got = [p for p in occurrences(s, word, segment=self.segment) if not _negated(s, p)]
            self._found[key] = got
        return got

    def part(self, part: str, si: int) -> list[_Occurrence]:
        return [_Occurrence(w, si, p) for w in _words(part) if w in self.present for p in self.find(w, si)]

    def reading(self, occ: _Occurrence) -> str:
        """actual, risk, past, passing or inquiry: how the sentence speaks of the matched words."""
        s = self.sentences[occ.sentence]
        clause = _clause(s, occ.start)
        if not self.now:
            if any(w in s for w in INQUIRY):
                return "inquiry"
            if any(w in s for w in PASSING):
                return "passing"
            before = s[: occ.start + len(occ.word) + 2]
            if (any(w in before for w in PAST) or any(w in s for w in RESOLVED)) and not any(w in clause for w in NOW):
                return "past"
            if s[occ.start + len(occ.word) : occ.start + len(occ.word) + 1] == "过":
                return "past"
        after = s[occ.start + len(occ.word) : occ.start + len(occ.word) + 3]
        if any(h in clause for h in HYPOTHETICAL) and not (any(w in clause for w in IMMINENT) or "了" in after):
            return "risk"
        return "actual"


_READING_RANK = {"actual": 3, "risk": 2, "past": 1, "passing": 1, "inquiry": 1}


def assess_urgency(
    text: str,
    *,
    rules: tuple[UrgencyRule, ...] = URGENCY_RULES,
    segment: Segmenter | None = None,
    locator: LocatorFactory = regex_locator,
) -> UrgencyFlag:
    """The urgency of a report: the highest level any rule reaches in context, with the words and the rule.
    `locator` finds the rules' words (any exact one gives the same flag; adapters inject a faster one)."""
    lowered = text.lower()
    comp = _compiled(rules, locator)
    located = comp.locate(lowered)
    if not located:
        return UrgencyFlag(NORMAL, None, "")
    # the phrases whose every part has a word in the text: only their rules are read in context
    filled: dict[tuple[int, int], int] = {}
    for w in located:
        for ri, phi, bit in comp.parts_of.get(w, ()):
            filled[ri, phi] = filled.get((ri, phi), 0) | bit
    candidates: dict[int, list[int]] = {}
    for (ri, phi), bits in filled.items():
        if bits == comp.full[ri][phi]:
            candidates.setdefault(ri, []).append(phi)
    if not candidates:
        return UrgencyFlag(NORMAL, None, "")
    reader = _Reader(lowered, located, segment)
    best_level, best_rule = NORMAL, None
    hits: list[tuple[UrgencyRule, str, str]] = []
    set_aside: list[str] = []
    for ri in sorted(candidates):
        rule = rules[ri]
        found = _match_rule([comp.phrases[ri][phi] for phi in sorted(candidates[ri])], reader)
        if found is None:
            continue
        words, reading = found
        level = rule.level
        if reading in ("past", "passing", "inquiry"):
            set_aside.append(f"{rule.name}: “{words}” ({reading})")
            continue
        if reading == "risk" and level == EMERGENCY:
            level = URGENT
            words = f"{words}（可能/隐患）"
        hits.append((rule, words, level))
        if _RANK[level] > _RANK[best_level]:
            best_level, best_rule = level, rule
    if not hits:
        return UrgencyFlag(NORMAL, None, "", set_aside=tuple(set_aside))
    top = sorted(hits, key=lambda h: -_RANK[h[2]])
    reason = "; ".join(f"{r.name}: “{w}”" for r, w, _ in top[:4])
    emergency = best_level == EMERGENCY and best_rule is not None
    return UrgencyFlag(
        best_level,
        best_rule.incident if emergency and best_rule else None,
        reason,
        tuple(r.name for r, _, _ in hits),
        best_rule.kind if emergency and best_rule else None,
        tuple(set_aside),
    )


def _match_rule(
    phrases: Sequence[tuple[str, tuple[frozenset[str], ...], tuple[str, ...]]], reader: _Reader
) -> tuple[str, str] | None:
    """The best (words, reading) of a rule's phrases (those with a word of every part in the text) over the
    sentences, or None."""
    best: tuple[str, str] | None = None
    present, mask = reader.present, reader.mask
    for _phrase, wordsets, parts in phrases:
        together = -1  # the sentences holding a word of every part
        for ws in wordsets:
            m = 0
            for w in present.intersection(ws):
                m |= mask[w]
            together &= m
        while together:
            low = together & -together
            si = low.bit_length() - 1
            together ^= low
            occs = [reader.part(p, si) for p in parts]
            if not all(occs):
                continue
            head = max(occs[0], key=lambda o: _READING_RANK[reader.reading(o)])
            reading = reader.reading(head)
            words = "+".join(o[0].word for o in occs)
            if best is None or _READING_RANK[reading] > _READING_RANK[best[1]]:
                best = (words, reading)
            if reading == "actual":
                return best
    return best


def incident_label(kind: str | None) -> str:
    """The Chinese label of an incident kind ('' when unknown)."""
    return INCIDENT_KINDS[kind][1] if kind in INCIDENT_KINDS else ""


def kinds_by_type() -> Mapping[IncidentType, tuple[str, ...]]:
    """The incident kinds under each of the four national types."""
    out: dict[IncidentType, list[str]] = {}
    for kind, (itype, _) in INCIDENT_KINDS.items():
        out.setdefault(itype, []).append(kind)
    return {k: tuple(v) for k, v in out.items()}
