"""Rules R1–R8 as pure functions of the case: scope (`applies`), triggered rules with citations, data gaps.

R0 (status on the date) lives in regimes.py; screening.py combines the two. R1–R6 follow domain.md §5.3;
R7 (No. 18) and R8 (No. 57) are the same test for exports from China of the listed control codes.
Tri-state logic throughout: True, False, or None = unknown (which always comes with a data gap).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gridloop.exportcontrol.domain.answer import DataGap, GapKind, Presumption, TriggeredRule
from gridloop.exportcontrol.domain.lists import EndUserCheck
from gridloop.exportcontrol.domain.model import (
    CASE_BY_CASE_USES,
    DENIAL_USES,
    HUMANITARIAN_USES,
    AnnexCategory,
    Case,
    EndUse,
    is_china,
)
from gridloop.exportcontrol.domain.regimes import NO61_SOURCE, Citation, regime
from gridloop.exportcontrol.domain.valuation import RatioResult

NO61 = ("no61-1-1", "no61-1-2", "no61-1-3")
NO18_CODES = tuple(f"1C90{n}" for n in range(2, 9))  # 1C902–1C908
NO57_CODES = ("1C909", "1C910", "1C911", "1C912", "1C913")
NO18_HINTS = (
    "钐",
    "钆",
    "铽",
    "镝",
    "镥",
    "钪",
    "钇",
    "samarium",
    "gadolinium",
    "terbium",
    "dysprosium",
    "lutetium",
    "scandium",
    "yttrium",
)
NO57_HINTS = ("钬", "铒", "铥", "铕", "镱", "holmium", "erbium", "thulium", "europium", "ytterbium")


def cite61(article: str, zh: str, annex: str = "") -> Citation:
    """A citation of No. 61."""
    return Citation("MOFCOM 2025 No. 61", article, annex, f"商务部公告2025年第61号{zh}", NO61_SOURCE)


def all3(values: Iterable[bool | None]) -> bool | None:
    """Three-valued AND: False if any is False, else None if any is unknown, else True."""
    seen = list(values)
    if any(v is False for v in seen):
        return False
    return None if any(v is None for v in seen) else True


@dataclass
class Scope:
    """Whether a regime's facts are met, the rules that fired, and the gaps that keep it open."""

    applies: bool | None
    triggered: list[TriggeredRule] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)


def _gap(kind: GapKind, where: str, en: str, zh: str, regimes: tuple[str, ...]) -> DataGap:
    return DataGap(kind, where, en, zh, regimes)


def _chinese_exporter(case: Case, regimes: tuple[str, ...], gaps: list[DataGap]) -> bool | None:
    """Whether the exporter is a Chinese person or in China (None, with a gap, when unknown)."""
    chinese = case.exporter.is_chinese_person_or_in_china
    if chinese is None:
        gaps.append(
            _gap(
                GapKind.EXPORTER,
                "exporter.is_chinese_person_or_in_china",
                "exporter's nationality/location unknown",
                "出口经营者是否为中国主体或位于中国境内不明",
                regimes,
            )
        )
    return chinese


def foreign_export(case: Case, regimes: tuple[str, ...]) -> tuple[bool | None, list[DataGap]]:
    """No. 61's actor test: a foreign exporter sending to a country or region other than China."""
    gaps: list[DataGap] = []
    chinese = _chinese_exporter(case, regimes, gaps)
    return all3([None if chinese is None else not chinese, outside_china(case, regimes, gaps)]), gaps


def chinese_export(case: Case, regimes: tuple[str, ...]) -> tuple[bool | None, list[DataGap]]:
    """The actor test of Nos. 18, 57, 62: a Chinese person or someone in China, exporting out of China."""
    gaps: list[DataGap] = []
    chinese = _chinese_exporter(case, regimes, gaps)
    return all3([chinese, outside_china(case, regimes, gaps)]), gaps


def outside_china(case: Case, regimes: tuple[str, ...], gaps: list[DataGap]) -> bool | None:
    """Whether the destination is outside China (None, with a gap, when unknown)."""
    if case.destination_country is None or not case.destination_country.strip():
        gaps.append(_gap(GapKind.DESTINATION, "destination_country", "destination unknown", "目的国不明", regimes))
        return None
    return not is_china(case.destination_country)


def in_annex1(case: Case, regimes: tuple[str, ...], gaps: list[DataGap]) -> bool | None:
    """Whether the item is in No. 61 Annex 1 (Part 1 or Part 2)."""
    category = case.item.annex_category
    if category is None:
        gaps.append(
            _gap(
                GapKind.CLASSIFICATION,
                "item.annex_category",
                "item's Annex 1 category unknown",
                "物项是否属于附件1不明",
                regimes,
            )
        )
        return None
    return category is not AnnexCategory.OTHER


def r1a_de_minimis(case: Case, ratio: RatioResult) -> Scope:
    """R1(a), No. 61 Art. 1(1): foreign-made Part 2 item with ≥ 0.1 % China-origin Part 1 content."""
    ids = ("no61-1-1",)
    actor, gaps = foreign_export(case, ids)
    category = case.item.annex_category
    if category is None:
        gaps.append(
            _gap(
                GapKind.CLASSIFICATION,
                "item.annex_category",
                "item's Annex 1 category unknown",
                "物项是否属于附件1不明",
                ids,
            )
        )
        part2: bool | None = None
    else:
        part2 = category is AnnexCategory.PART2
    if part2 is not False:
        gaps.extend(ratio.gaps)
    applies = all3([actor, part2, ratio.meets])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False and ratio.meets:
        scope.triggered.append(
            TriggeredRule(
                "R1a",
                f"China-origin Annex 1 Part 1 content is {ratio.as_dict()['ratio_percent']} % of the item's value "
                "(threshold 0.1 %, inclusive)",
                f"中国原产附件1第一部分物项价值占比{ratio.as_dict()['ratio_percent']}%（阈值0.1%，含本数）",
                regime("no61-1-1").citation,
                (
                    ("ratio", str(ratio.ratio)),
                    ("numerator", str(ratio.numerator)),
                    ("denominator", str(ratio.denominator)),
                    ("currency", ratio.settings.reference_currency),
                ),
            )
        )
    return scope


def r1b_technology(case: Case) -> Scope:
    """R1(b), No. 61 Art. 1(2): Annex 1 item made abroad with China-origin rare-earth technology."""
    ids = ("no61-1-2",)
    actor, gaps = foreign_export(case, ids)
    annex = in_annex1(case, ids, gaps)
    tech = case.production_tech_origin.uses_china_origin_re_tech
    if tech is None:
        gaps.append(
            _gap(
                GapKind.ORIGIN,
                "production_tech_origin.uses_china_origin_re_tech",
                "origin of the production technology unknown",
                "生产所用稀土技术是否源自中国不明",
                ids,
            )
        )
    applies = all3([actor, annex, tech])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False and tech:
        stage = case.production_tech_origin.tech_stage
        scope.triggered.append(
            TriggeredRule(
                "R1b",
                "made with China-origin rare-earth technology",
                "使用中国原产稀土技术生产",
                regime("no61-1-2").citation,
                (("tech_stage", stage.value if stage else "not stated"),),
            )
        )
    return scope


def r1c_origin(case: Case) -> Scope:
    """R1(c), No. 61 Art. 1(3): China-origin Annex 1 item exported by a foreign exporter."""
    ids = ("no61-1-3",)
    actor, gaps = foreign_export(case, ids)
    annex = in_annex1(case, ids, gaps)
    origin = case.is_china_origin_item
    if origin is None:
        gaps.append(_gap(GapKind.ORIGIN, "is_china_origin_item", "item's origin unknown", "物项原产地不明", ids))
    applies = all3([actor, annex, origin])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False and origin:
        scope.triggered.append(
            TriggeredRule("R1c", "China-origin Annex 1 item", "中国原产附件1物项", regime("no61-1-3").citation)
        )
    return scope


@dataclass
class Policy:
    """R2–R4: the presumption for No. 61 licences, with the rules that fired and the open questions."""

    presumption: Presumption
    triggered: list[TriggeredRule] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)


def licensing_policy(case: Case, users: EndUserCheck) -> Policy:
    """R2 humanitarian exemption, R3 presumption of denial, R4 case-by-case; deny > case-by-case > exempt."""
    triggered: list[TriggeredRule] = []
    gaps = list(users.gaps)
    uses = set(case.end_uses)
    deny = False
    if case.end_user.is_military:
        deny = True
        triggered.append(
            TriggeredRule("R3-military-user", "military end user", "军事最终用户", cite61("Art. 2", "第二条"))
        )
    elif case.end_user.is_military is None:
        gaps.append(
            _gap(
                GapKind.END_USER,
                "end_user.is_military",
                "whether the end user is military is unknown",
                "最终用户是否为军事用户不明",
                NO61,
            )
        )
    for hit in users.hits:
        deny = True
        who = "end user" if hit["field"] == "end_user.name" else f"owner controlling the end user ({hit['party']})"
        triggered.append(
            TriggeredRule(
                "R3-listed",
                f"{who} is on the {hit['list']} list (as of {hit['list_as_of']})",
                f"{hit['party']}列入{hit['list_zh']}（{hit['list_as_of']}）",
                cite61("Art. 2", "第二条"),
                (
                    ("listed_name", hit["listed_name"]),
                    ("ownership_chain_pct", " → ".join(hit["ownership_chain_pct"])),
                    ("control_rule", "≥ 50 % at every link"),
                ),
            )
        )
    for use in sorted(uses & DENIAL_USES):
        deny = True
        triggered.append(
            TriggeredRule("R3-end-use", f"end use: {use.value}", f"最终用途：{use.value}", cite61("Art. 3", "第三条"))
        )
    review = sorted(uses & CASE_BY_CASE_USES)
    for use in review:
        triggered.append(
            TriggeredRule(
                "R4",
                f"end use reviewed case by case: {use.value}",
                f"逐案审批的最终用途：{use.value}",
                cite61("Art. 4", "第四条"),
            )
        )
    humanitarian = bool(uses) and uses <= HUMANITARIAN_USES
    if not uses:
        gaps.append(_gap(GapKind.END_USE, "end_use", "end use not stated", "未说明最终用途", NO61))
    if humanitarian and deny:
        triggered.append(
            TriggeredRule(
                "R2-overridden",
                "humanitarian end use stated, but a denial factor is present: the exemption is not applied [I]",
                "虽为人道主义用途，但存在不予许可情形，不适用豁免",
                cite61("Art. 5", "第五条"),
            )
        )
    if deny:
        return Policy(Presumption.DENY, triggered, gaps)
    if review:
        return Policy(Presumption.CASE_BY_CASE, triggered, gaps)
    if humanitarian:
        triggered.append(
            TriggeredRule(
                "R2",
                "humanitarian end use: no licence needed, report after export",
                "人道主义用途：无需许可，事后报告",
                cite61("Art. 5", "第五条"),
            )
        )
        return Policy(Presumption.EXEMPT, triggered, gaps)
    return Policy(Presumption.STANDARD, triggered, gaps)


def r5_notices(case: Case) -> Scope:
    """R5, No. 61 Art. 7: compliance notices for Annex 1 items leaving for outside China."""
    ids = ("no61-7",)
    gaps: list[DataGap] = []
    annex = in_annex1(case, ids, gaps)
    outside = outside_china(case, ids, gaps)
    chinese = case.exporter.is_chinese_person_or_in_china
    if chinese is None:
        gaps.append(
            _gap(
                GapKind.EXPORTER,
                "exporter.is_chinese_person_or_in_china",
                "exporter unknown: which notice duty applies is open",
                "出口经营者身份不明",
                ids,
            )
        )
    applies = all3([annex, outside])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False:
        scope.triggered.append(
            TriggeredRule(
                "R5",
                "Annex 1 item exported: compliance-notice duties",
                "出口附件1物项：合规告知义务",
                regime("no61-7").citation,
            )
        )
    return scope


def r6_technology(case: Case) -> Scope:
    """R6, No. 62: a Chinese person transferring 1E902 technology, or knowingly supporting such activity abroad."""
    ids = ("no62",)
    actor, gaps = chinese_export(case, ids)
    tech = case.technology
    code = (tech.control_code or "").upper() if tech else ""
    listed = code.startswith("1E902")
    knows = tech.knowingly_supports_foreign_re_activity if tech else False
    if tech is not None and knows is None and not listed and actor is not False:
        gaps.append(
            _gap(
                GapKind.KNOWLEDGE,
                "technology.knowingly_supports_foreign_re_activity",
                "whether the exporter knows the transfer supports rare-earth activity abroad is unknown",
                "是否明知支持境外稀土相关活动不明",
                ids,
            )
        )
    subject: bool | None = True if (listed or knows) else (None if knows is None and tech is not None else False)
    applies = all3([actor, subject])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False and listed:
        scope.triggered.append(
            TriggeredRule("R6-1E902", f"rare-earth technology {code}", f"稀土相关技术{code}", regime("no62").citation)
        )
    if applies is not False and knows:
        scope.triggered.append(
            TriggeredRule(
                "R6-catch-all",
                "knowingly supports rare-earth activity abroad",
                "明知支持境外稀土相关活动",
                Citation(
                    "MOFCOM 2025 No. 62",
                    "catch-all (出口管制法 Art. 12; 条例 Art. 14)",
                    "",
                    "商务部公告2025年第62号（出口管制法第十二条、条例第十四条）",
                    regime("no62").citation.source,
                ),
            )
        )
    return scope


def _coded(case: Case, regime_id: str, codes: tuple[str, ...], hints: tuple[str, ...], rule: str) -> Scope:
    ids = (regime_id,)
    actor, gaps = chinese_export(case, ids)
    code = (case.item.control_code or "").upper().strip()
    text = f"{case.item.description} {' '.join(b.material for b in case.bom)}".casefold()
    if code:
        listed: bool | None = code.startswith(codes)
    elif any(h in text for h in hints):
        listed = None
        gaps.append(
            _gap(
                GapKind.CLASSIFICATION,
                "item.control_code",
                f"the item names an element of {regime(regime_id).announcement} but has no control code",
                "物项涉及管制稀土元素但未填写管制编码",
                ids,
            )
        )
    else:
        listed = False
    applies = all3([actor, listed])
    scope = Scope(applies, gaps=gaps if applies is not False else [])
    if applies is not False and listed:
        scope.triggered.append(
            TriggeredRule(
                rule,
                f"control code {code} exported from China",
                f"自中国出口管制编码{code}物项",
                regime(regime_id).citation,
            )
        )
    return scope


def r7_no18(case: Case) -> Scope:
    """R7, No. 18: items 1C902–1C908 exported from China."""
    return _coded(case, "no18", NO18_CODES, NO18_HINTS, "R7")


def r8_no57(case: Case) -> Scope:
    """R8, No. 57: items 1C909–1C913 exported from China."""
    return _coded(case, "no57", NO57_CODES, NO57_HINTS, "R8")


__all__ = ["EndUse", "Policy", "Scope", "all3", "licensing_policy"]
