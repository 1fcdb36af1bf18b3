"""The regimes as data: announcements, effective dates, the No. 70 suspension window, and R0 (status on a date).

Every date below comes from /work/shared/reference/domain.md §5 (a test reads that text and compares). What
applies after a suspension window ends is NOT in the sources: it is an administrator setting
(`AfterSuspension`), UNCONFIRMED until someone confirms it, and every answer names the setting it relied on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

NO61_SOURCE = "http://exportcontrol.mofcom.gov.cn/article/zcfg/gnzcfg/zcfggzqd/202510/1171.html"
NO62_SOURCE = "https://hk.crntt.com/doc/1071/2/8/3/107128315.html"
NO18_SOURCE = "https://gtic.007swz.com/xinxi/cmerpta.html"
NO57_SOURCE = "https://gubaposthk.eastmoney.com/news,cjpl,1608530642.html"
NO70_SOURCE = "https://www.worldjournal.com/wj/story/121474/9125678"


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: announcement, article, annex item, and the source that was read."""

    announcement: str
    article: str
    annex_item: str = ""
    zh: str = ""
    source: str = ""

    def as_dict(self) -> dict[str, str]:
        """Plain form for JSON."""
        return {
            "announcement": self.announcement,
            "article": self.article,
            "annex_item": self.annex_item,
            "zh": self.zh,
            "source": self.source,
        }


@dataclass(frozen=True)
class Suspension:
    """A window in which measures are suspended; "from that day until …" [S] read as both ends inclusive [I]."""

    id: str
    announcement: str
    zh: str
    issued: date
    start: date
    until: date
    source: str

    def covers(self, day: date) -> bool:
        """Whether `day` falls inside the window."""
        return self.start <= day <= self.until


NO70 = Suspension(
    id="mofcom-gac-2025-70",
    announcement="MOFCOM/GAC 2025 No. 70",
    zh="商务部 海关总署公告2025年第70号",
    issued=date(2025, 11, 7),
    start=date(2025, 11, 7),
    until=date(2026, 11, 10),
    source=NO70_SOURCE,
)
SUSPENSIONS: tuple[Suspension, ...] = (NO70,)


@dataclass(frozen=True)
class Regime:
    """One measure with its own dates: a No. 61 clause, No. 62, No. 18 or No. 57."""

    id: str
    announcement: str
    title_en: str
    title_zh: str
    issued: date
    effective: date
    suspension: Suspension | None
    citation: Citation


def _no61(article: str, zh_article: str, annex: str = "") -> Citation:
    return Citation("MOFCOM 2025 No. 61", article, annex, f"商务部公告2025年第61号{zh_article}", NO61_SOURCE)


REGIMES: tuple[Regime, ...] = (
    Regime(
        "no61-1-1",
        "MOFCOM 2025 No. 61",
        "Foreign-made Annex 1 Part 2 items with ≥ 0.1 % China-origin Part 1 content (de minimis)",
        "境外制造的附件1第二部分物项含中国原产第一部分物项价值占比≥0.1%",
        issued=date(2025, 10, 9),
        effective=date(2025, 12, 1),
        suspension=NO70,
        citation=_no61("Art. 1(1)", "第一条第（一）项", "Annex 1 Part 2 (items), Part 1 (content)"),
    ),
    Regime(
        "no61-1-2",
        "MOFCOM 2025 No. 61",
        "Foreign-made Annex 1 items produced with China-origin rare-earth technology",
        "使用中国原产稀土技术在境外生产的附件1物项",
        issued=date(2025, 10, 9),
        effective=date(2025, 12, 1),
        suspension=NO70,
        citation=_no61("Art. 1(2)", "第一条第（二）项", "Annex 1"),
    ),
    Regime(
        "no61-1-3",
        "MOFCOM 2025 No. 61",
        "China-origin Annex 1 items exported by foreign exporters",
        "境外出口经营者出口中国原产附件1物项",
        issued=date(2025, 10, 9),
        effective=date(2025, 10, 9),
        suspension=NO70,
        citation=_no61("Art. 1(3)", "第一条第（三）项", "Annex 1"),
    ),
    Regime(
        "no61-7",
        "MOFCOM 2025 No. 61",
        "Compliance notices: final destination declared, 合规告知书 issued or passed on",
        "合规告知：申报最终目的地，出具或传递《合规告知书》",
        issued=date(2025, 10, 9),
        effective=date(2025, 10, 9),
        suspension=NO70,
        citation=_no61("Art. 7", "第七条", "Annex 2 (合规告知书 template)"),
    ),
    Regime(
        "no62",
        "MOFCOM 2025 No. 62",
        "Rare-earth technology (1E902) exported by Chinese persons or from China",
        "中国境内及中国主体出口稀土相关技术（1E902）",
        issued=date(2025, 10, 9),
        effective=date(2025, 10, 9),
        suspension=NO70,
        citation=Citation(
            "MOFCOM 2025 No. 62", "whole announcement", "1E902.a, 1E902.b", "商务部公告2025年第62号", NO62_SOURCE
        ),
    ),
    Regime(
        "no18",
        "MOFCOM/GAC 2025 No. 18",
        "Seven medium/heavy rare earths (Sm, Gd, Tb, Dy, Lu, Sc, Y) exported from China",
        "钐、钆、铽、镝、镥、钪、钇等7类中重稀土相关物项出口",
        issued=date(2025, 4, 4),
        effective=date(2025, 4, 4),
        suspension=None,
        citation=Citation(
            "MOFCOM/GAC 2025 No. 18",
            "whole announcement",
            "1C902–1C908",
            "商务部 海关总署公告2025年第18号",
            NO18_SOURCE,
        ),
    ),
    Regime(
        "no57",
        "MOFCOM/GAC 2025 No. 57",
        "Five medium/heavy rare earths (Ho, Er, Tm, Eu, Yb) exported from China",
        "钬、铒、铥、铕、镱等5类中重稀土相关物项出口",
        issued=date(2025, 10, 9),
        effective=date(2025, 11, 8),
        suspension=NO70,
        citation=Citation(
            "MOFCOM/GAC 2025 No. 57",
            "whole announcement",
            "1C909–1C913",
            "商务部 海关总署公告2025年第57号",
            NO57_SOURCE,
        ),
    ),
)


def regime(regime_id: str) -> Regime:
    """The regime with this id; KeyError naming the known ids otherwise."""
    for row in REGIMES:
        if row.id == regime_id:
            return row
    raise KeyError(f"unknown regime {regime_id!r}; known: {', '.join(r.id for r in REGIMES)}")


class Status(StrEnum):
    """A regime's temporal status on the export date."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    NOT_YET_EFFECTIVE = "not_yet_effective"
    UNCONFIRMED = "unconfirmed"  # after a suspension window, with no confirmed administrator setting


STATUS_ZH = {
    Status.ACTIVE: "有效",
    Status.SUSPENDED: "暂停实施",
    Status.NOT_YET_EFFECTIVE: "尚未生效",
    Status.UNCONFIRMED: "暂停期满后状态未经确认",
}


class AfterSuspension(StrEnum):
    """What an administrator confirmed applies after a suspension window ends (not known from the sources)."""

    UNCONFIRMED = "unconfirmed"
    RESUMED = "resumed"
    STILL_SUSPENDED = "still_suspended"


@dataclass(frozen=True)
class AfterSuspensionSetting:
    """The administrator's setting for one suspension window, with who confirmed it and when."""

    suspension_id: str
    value: AfterSuspension = AfterSuspension.UNCONFIRMED
    confirmed_by: str = ""
    confirmed_at: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        """Plain form for JSON."""
        return {
            "suspension_id": self.suspension_id,
            "value": self.value.value,
            "confirmed_by": self.confirmed_by,
            "confirmed_at": self.confirmed_at,
            "note": self.note,
        }


@dataclass(frozen=True)
class TemporalStatus:
    """R0's answer for one regime: the status, why, and the setting relied on (if any)."""

    status: Status
    basis_en: str
    basis_zh: str
    setting: AfterSuspensionSetting | None = None
    if_resumed: Status | None = None

    @property
    def in_force(self) -> bool | None:
        """True when active, False when suspended or not yet effective, None when unconfirmed."""
        if self.status is Status.UNCONFIRMED:
            return None
        return self.status is Status.ACTIVE


def temporal_status(
    row: Regime, *, on: date, settings: Mapping[str, AfterSuspensionSetting] | None = None
) -> TemporalStatus:
    """R0: the status of `row` on the export date `on`."""
    plain = Status.ACTIVE if on >= row.effective else Status.NOT_YET_EFFECTIVE
    plain_en = (
        f"effective since {row.effective.isoformat()}"
        if plain is Status.ACTIVE
        else f"takes effect on {row.effective.isoformat()}"
    )
    plain_zh = (
        f"自{row.effective.isoformat()}起施行" if plain is Status.ACTIVE else f"{row.effective.isoformat()}起施行"
    )
    window = row.suspension
    if window is None or on < window.start:
        return TemporalStatus(plain, plain_en, plain_zh)
    span = f"{window.start.isoformat()} – {window.until.isoformat()}"
    if window.covers(on):
        note = "" if on >= row.effective else f"; it would not have taken effect before {row.effective.isoformat()}"
        return TemporalStatus(
            Status.SUSPENDED,
            f"suspended by {window.announcement} for {span}{note}",
            f"依{window.zh}暂停实施（{span}）",
        )
    setting = (settings or {}).get(window.id) or AfterSuspensionSetting(window.id)
    who = f" (confirmed by {setting.confirmed_by} at {setting.confirmed_at})" if setting.confirmed_by else ""
    after = f"after the {window.announcement} window ({span}): administrator setting '{setting.value.value}'{who}"
    after_zh = f"{window.zh}暂停期（{span}）届满后：管理员设置“{setting.value.value}”"
    if setting.value is AfterSuspension.RESUMED:
        return TemporalStatus(plain, f"{after}; {plain_en}", f"{after_zh}；{plain_zh}", setting)
    if setting.value is AfterSuspension.STILL_SUSPENDED:
        return TemporalStatus(Status.SUSPENDED, after, after_zh, setting)
    return TemporalStatus(
        Status.UNCONFIRMED,
        f"{after} — not known from the sources; the answer shows what applies if the measure resumed",
        f"{after_zh}——来源未载明，以下结论假定恢复实施",
        setting,
        if_resumed=plain,
    )
