"""When two reports are the same event: thresholds on text similarity, time apart and distance, as data."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime

from gridloop.triage.domain.urgency import INCIDENT_KINDS

MERGE = "merge"
SUGGEST = "suggest"
NONE = "none"


@dataclass(frozen=True)
class DuplicatePolicy:
    """Thresholds (measured in docs/models.md on pairs labelled from hot_issues.csv)."""

    merge_similarity: float = 0.4
    suggest_similarity: float = 0.2
    window_hours: float = 30 * 24
    merge_window_hours: float = 7 * 24
    same_place_m: float = 300.0
    far_apart_m: float = 2000.0


@dataclass(frozen=True)
class DuplicateVerdict:
    """What to do with a new report given its best earlier match."""

    action: str
    other: str | None = None
    similarity: float = 0.0
    reason: str = ""


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))


def judge_pair(
    similarity: float,
    *,
    hours_apart: float | None,
    distance_m: float | None,
    policy: DuplicatePolicy = DuplicatePolicy(),
) -> tuple[str, str]:
    """Action for one candidate pair and the reason: merge, suggest or none."""
    if hours_apart is not None and hours_apart > policy.window_hours:
        return NONE, f"{hours_apart / 24:.0f} days apart"
    if distance_m is not None and distance_m > policy.far_apart_m:
        return NONE, f"{distance_m:.0f} m apart"
    if similarity < policy.suggest_similarity:
        return NONE, f"text similarity {similarity:.2f}"
    where = f", {distance_m:.0f} m apart" if distance_m is not None else ""
    when = f", {hours_apart:.0f} h apart" if hours_apart is not None else ""
    close_in_time = hours_apart is None or hours_apart <= policy.merge_window_hours
    same_place = distance_m is None or distance_m <= policy.same_place_m
    if similarity >= policy.merge_similarity and close_in_time and same_place:
        return MERGE, f"text similarity {similarity:.2f}{when}{where}"
    return SUGGEST, f"text similarity {similarity:.2f}{when}{where}"


# --- duplicates by event: the same place, the same time window, the same problem (issue 18) ---------------------

_ADDRESS_CORE = re.compile(r"(路|街|大道|公路|巷|村)(\d{1,5})(弄|号)(?:(\d{1,3})(?:号楼|号|幢|栋|座))?")
"""The end of an address (路 + number + 弄/号 + building); the road's name is read leftwards from it (a regex with
a leading character class would be tried at every position of a long complaint)."""
_LANDMARK_CORE = re.compile(
    r"公园|广场|小区|大厦|商场|医院|小学|中学|幼儿园|地铁站|菜场|菜市场|体育馆|图书馆|新村|花园"
)
EVENT_CHARS = 400
"""Characters of a report read for duplicates by event (the place and the problem are told early)."""


_RUN_BEFORE: dict[int, re.Pattern[str]] = {}


def _name_before(text: str, end: int, most: int) -> str:
    """The Chinese characters (at most `most`) that end right at `end`."""
    pat = _RUN_BEFORE.get(most)
    if pat is None:
        pat = _RUN_BEFORE[most] = re.compile("[\u4e00-\u9fff]{0," + str(most) + "}\\Z")
    m = pat.search(text, max(0, end - most), end)
    return text[m.start() : end] if m is not None else ""


def find_addresses(text: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, road, number, building) of each street address in the text, in order."""
    out = []
    for m in _ADDRESS_CORE.finditer(text):
        name = _name_before(text, m.start(), 8)
        if not name:
            continue
        out.append((m.start() - len(name), m.end(), name + m.group(1), f"{m.group(2)}{m.group(3)}", m.group(4) or ""))
    return out


_LEAD_INS = re.compile(
    r"^(?:来电人?称|来电反映|市民(?:反映|称)|反映[:：]?|来电人反映其在|其在|我们|阿拉|我是|就在|位于|靠近|在|那个|这个|"
    r"[\u4e00-\u9fff]{2,3}区)+"
)

PROBLEMS: dict[str, tuple[str, ...]] = {
    "渗漏水": ("渗水", "漏水", "渗到", "渗下来", "滴水", "防水"),
    "噪声": (
        "噪音",
        "噪声",
        "吵得",
        "吵死",
        "太吵",
        "很吵",
        "吵闹",
        "音响",
        "放歌",
        "音乐",
        "电钻",
        "敲墙",
        "敲打",
        "打桩",
        "犬吠",
        "叫个不停",
        "整天叫",
    ),
    "油烟": ("油烟", "炭火烟", "烟味", "熏"),
    "垃圾": ("垃圾", "清运", "苍蝇"),
    "燃气": ("煤气", "燃气", "天然气", "臭鸡蛋"),
    "化学品": ("刺鼻", "化学", "化工", "黄烟", "酸味", "刺激性", "危化品"),
    "食物中毒": ("上吐下泻", "呕吐", "腹泻", "食物中毒", "拉肚子"),
    "进水": ("进水", "水漫", "漫进", "灌进", "淹"),
    "交通事故": ("撞", "交通事故", "追尾", "刮倒"),
    "电梯": ("电梯", "轿厢"),
    "火情": ("着火", "火情", "浓烟", "烧起来", "冒烟", "黑烟", "起火"),
    "坍塌": ("塌", "坍塌", "掉下来", "倒塌"),
    "预付卡": ("预付", "会员卡", "办卡", "退钱", "退款", "跑路", "停业", "学费", "押金"),
    "欠薪": ("工资", "欠薪", "工钱", "讨薪"),
    "停水": ("停水", "没水", "来水"),
    "停电": ("停电", "没电", "跳闸"),
    "水质": ("发黄", "水质", "浑浊", "沉淀"),
    "信号灯": ("红绿灯", "信号灯", "黄闪", "闪黄灯"),
    "违建": ("违章搭建", "违法搭建", "违章建筑", "搭建"),
    "路灯": ("路灯", "照明"),
    "电线": ("电线", "架空线", "火花", "高压线"),
    "共享单车": ("共享单车", "单车"),
    "非法行医": ("无证", "执照", "行医", "挂水", "盐水", "打针"),
    "号贩子": ("黄牛", "号贩子", "倒卖"),
    "儿童被困": ("反锁", "锁在", "关在", "被锁"),
    "轻生": ("跳楼", "跳下", "轻生", "不想活"),
    "河道": ("河道", "河里", "河面", "河水", "河浜", "死鱼", "漂浮"),
    "犬只": ("狗", "犬"),
    "停车": ("停车位", "乱停", "违停", "停满"),
    "公交": ("公交站", "不停站", "过站"),
    "过期": ("过期",),
    "排队等候": ("排队", "等候", "排两个"),
    "拥堵": ("拥堵", "堵得", "堵死"),
    "场馆": ("包场", "订不到"),
    "绿化": ("绿地", "绿化"),
    "空调": ("空调",),
}
"""Problem words by kind (what is wrong, not the venue: 烧烤店 names a place, 油烟 a problem); two reports name the
same problem when they share a kind — one signal among several."""


@dataclass(frozen=True)
class Place:
    """Where a report is: road + 弄/号 (+ building), a landmark, or a located point."""

    road: str = ""
    number: str = ""
    building: str = ""
    landmark: str = ""
    lng: float | None = None
    lat: float | None = None

    def label(self) -> str:
        """The address as read, for explanations."""
        addr = f"{self.road}{self.number}" + (f"{self.building}号" if self.building else "")
        return addr or self.landmark


def _clean_road(road: str) -> str:
    return _LEAD_INS.sub("", road) or road


def extract_place(text: str, *, lng: float | None = None, lat: float | None = None) -> Place:
    """The first address (road + 弄/号, building) or landmark named in a text."""
    text = text[:EVENT_CHARS]
    found = find_addresses(text)
    if found:
        _, end, road, number, building = found[0]
        if not building and number.endswith("弄"):  # "…1088弄 8号" / "…500弄3号楼"
            after = re.match(r"\D{0,2}?(\d{1,3})(?:号楼|号|幢|栋)", text[end : end + 8])
            building = after.group(1) if after else ""
        return Place(_clean_road(road), number, building, lng=lng, lat=lat)
    for lm in _LANDMARK_CORE.finditer(text):
        name = _landmark_name(_name_before(text, lm.start(), 6))
        if len(name) >= 2:
            return Place(landmark=name + lm.group(), lng=lng, lat=lat)
    return Place(lng=lng, lat=lat)


def place_keys(text: str) -> set[str]:
    """Keys under which a report is found by later reports at the same place (`place_key`): the last three characters
    of the road and the lane or number of every address in the text, and every landmark word with the two characters
    before it. A report at the same address (two roads are the same when one ends with the other, three characters
    at least) or naming the same landmark has a key in common, so a look-up by key misses no report that names the
    place as the event judge reads it."""
    keys = {f"r:{road[-3:]}|{number}" for road, number in ((_clean_road(a[2]), a[3]) for a in find_addresses(text))
            if len(road) >= 3}  # fmt: skip
    keys.update(f"l:{text[max(0, m.start() - 2) : m.end()]}" for m in _LANDMARK_CORE.finditer(text))
    return keys


def place_key(place: Place) -> str | None:
    """The key (`place_keys`) to look up the reports at this place by; None when the place has none (a road of under
    three characters, or no place): search those by their words instead."""
    if place.road:
        return f"r:{place.road[-3:]}|{place.number}" if len(place.road) >= 3 else None
    if place.landmark:
        cores = list(_LANDMARK_CORE.finditer(place.landmark))  # the last one ends the landmark
        return f"l:{place.landmark[max(0, cores[-1].start() - 2) :]}" if cores else None
    return None


_NOT_IN_A_NAME = re.compile(r".*[的了我你他她这那时到是在个家们该本]")
"""Characters that do not occur in a place's proper name: the name starts after the last of them (我们小区,
我家小区, 整个小区, 去年回家时小区 name no place)."""
_GENERIC_NAMES = frozenset({"附近", "旁边", "对面", "隔壁", "周边", "门口", "整个", "所有", "每个", "一个", "某某"})


def _landmark_name(name: str) -> str:
    """The proper name before a landmark word, or '' when what stands there is no name."""
    name = _NOT_IN_A_NAME.sub("", _LEAD_INS.sub("", name))
    return "" if name in _GENERIC_NAMES or name.endswith(tuple(_GENERIC_NAMES)) else name


def _same_road(a: str, b: str) -> bool:
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.endswith(short)


def same_place(a: Place, b: Place, *, near_m: float = 150.0) -> tuple[str, str]:
    """('same' | 'near' | 'different' | 'unknown', what was compared, in Chinese for the operator)."""
    if a.road and b.road:
        if _same_road(a.road, b.road):
            if a.number == b.number:
                if a.building and b.building and a.building != b.building:
                    return "near", f"同一弄不同楼 {a.label()} / {b.label()}"
                return "same", f"同一地址 {a.road if len(a.road) <= len(b.road) else b.road}{a.number}"
            return "near", f"同一道路 {a.road}"
        return "different", f"地址不同 {a.label()} / {b.label()}"
    if a.landmark and b.landmark:
        if a.landmark == b.landmark:
            return "same", f"同一地点 {a.landmark}"
        return "different", f"地点不同 {a.landmark} / {b.landmark}"
    if None not in (a.lng, a.lat, b.lng, b.lat):
        d = haversine_m(a.lng, a.lat, b.lng, b.lat)  # type: ignore[arg-type]
        return ("same" if d <= near_m else "near" if d <= 2 * near_m else "different"), f"相距{d:.0f}米"
    return "unknown", ""


_PROBLEM_OF: dict[str, list[str]] = {}
_PROBLEM_FIRST: dict[str, list[str]] = {}
_PROBLEM_RE: list[re.Pattern[str]] = []


def problems(text: str) -> set[str]:
    """The problem kinds a text names (one scan of the text for all problem words)."""
    if not _PROBLEM_RE:
        for kind, words in PROBLEMS.items():
            for w in words:
                _PROBLEM_OF.setdefault(w, []).append(kind)
        for w in _PROBLEM_OF:
            _PROBLEM_FIRST.setdefault(w[0], []).append(w)
        _PROBLEM_RE.append(re.compile("|".join(sorted(map(re.escape, _PROBLEM_OF), key=len, reverse=True))))
    # overlapping words (渗水 / 渗到…) are all found: search again one character after each match's start
    out: set[str] = set()
    pat, pos = _PROBLEM_RE[0], 0
    while True:
        m = pat.search(text, pos)
        if m is None:
            return out
        start = m.start()
        for w in _PROBLEM_FIRST[text[start]]:
            if text.startswith(w, start):
                out.update(_PROBLEM_OF[w])
        pos = start + 1


_NOT_IN_BIGRAMS = re.compile(r"[\s\d，。、！？,.!?：:（）()]")


def _bigrams(text: str) -> set[str]:
    t = _NOT_IN_BIGRAMS.sub("", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


_BOILERPLATE = re.compile(
    r"来电人?(?:称|反映|表示)?|市民(?:反映|称|表示)|(?:要求|希望|请|麻烦)(?:相关部门|有关部门)?(?:尽快|马上|赶紧)?"
    r"(?:派人)?(?:处理|解决|协调|核实|查处|整改|来看看)?|相关部门|有关部门|谢谢|诉求"
)
"""The operator's and callers' formulas (来电人反映…要求尽快处理): shared by unrelated reports, so they are left out
of the wording compared."""


@dataclass(frozen=True)
class EventReport:
    """What duplicate-by-event compares: place, time, category, incident kind, problems and wording."""

    place: Place
    when: datetime | None
    category: str | None
    kind: str | None
    problems: frozenset[str]
    grams: frozenset[str]

    @classmethod
    def of(
        cls,
        text: str,
        *,
        when: datetime | None = None,
        category: str | None = None,
        kind: str | None = None,
        lng: float | None = None,
        lat: float | None = None,
        place: Place | None = None,
    ) -> EventReport:
        """Read a report's text (the place's words are left out of its wording). `place`: the text's
        `extract_place` when the caller has it already (without a point: `lng`, `lat` are added here)."""
        text = text[:EVENT_CHARS]
        if place is None:
            place = extract_place(text, lng=lng, lat=lat)
        elif lng is not None or lat is not None:
            place = replace(place, lng=lng, lat=lat)
        body = _BOILERPLATE.sub("", text)
        for part in (place.road, place.number, place.landmark):
            if part:
                body = body.replace(part, "")
        return cls(place, when, category, kind, frozenset(problems(body)), frozenset(_bigrams(body)))


@dataclass(frozen=True)
class EventPolicy:
    """Thresholds for duplicates by event."""

    merge_hours: float = 12.0
    suggest_hours: float = 72.0
    merge_wording: float = 0.3
    suggest_wording: float = 0.2
    min_grams: int = 8


def judge_event(a: EventReport, b: EventReport, *, policy: EventPolicy = EventPolicy()) -> DuplicateVerdict:
    """Merge only when the place is the same, the time close and the problem the same; suggest when two of the
    three hold; explained in Chinese for the operator ("同一地址 长寿路500弄，相隔40分钟，均为渗漏水")."""
    where, said = same_place(a.place, b.place)
    hours = abs((b.when - a.when).total_seconds()) / 3600 if a.when and b.when else None
    if a.grams and b.grams:
        common = len(a.grams & b.grams)  # Jaccard without building the union (|A ∪ B| = |A| + |B| − |A ∩ B|)
        wording = common / (len(a.grams) + len(b.grams) - common)
    else:
        wording = 0.0
    shared = sorted(a.problems & b.problems)
    what = []
    if a.kind and a.kind == b.kind:
        what.append(f"均为{INCIDENT_KINDS[a.kind][1] if a.kind in INCIDENT_KINDS else a.kind}")
    if shared:
        what.append("均为" + "/".join(shared[:2]))
    if wording >= policy.suggest_wording:
        what.append(f"措辞相似度{wording:.2f}")
    # wording counts only between texts long enough to compare; two named problems with none shared differ
    comparable = min(len(a.grams), len(b.grams)) >= policy.min_grams
    conflicting = bool(a.problems and b.problems and not shared)
    same_problem = bool(a.kind and a.kind == b.kind) or (
        not conflicting and (bool(shared) or (comparable and wording >= policy.merge_wording))
    )
    if hours is None:
        when_txt, close, in_window = "时间不详", True, True
    else:
        when_txt = f"相隔{hours * 60:.0f}分钟" if hours < 2 else f"相隔{hours:.0f}小时"
        close, in_window = hours <= policy.merge_hours, hours <= policy.suggest_hours
    differs = a.category and b.category and a.category != b.category and not shared and a.kind != b.kind
    reason = "，".join(x for x in (said, when_txt, *what) if x)
    if where == "same" and close and same_problem and not differs:
        return DuplicateVerdict(MERGE, similarity=round(wording, 3), reason=reason)
    if in_window and (
        (where == "same" and (same_problem or a.category == b.category))
        or (where == "near" and same_problem)
        or (where == "unknown" and same_problem and wording >= policy.merge_wording)
    ):
        return DuplicateVerdict(SUGGEST, similarity=round(wording, 3), reason=reason)
    return DuplicateVerdict(NONE, similarity=round(wording, 3), reason=reason or "地点和问题均无共同之处")
