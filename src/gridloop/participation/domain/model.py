"""Labelled vocabularies of suggestion campaigns and their answers."""

from __future__ import annotations

from gridloop.kernel.labels import LabeledEnum


class CampaignStatus(LabeledEnum):
    """A campaign's phase: drafted, collecting, closed to new suggestions."""

    DRAFT = ("draft", "筹备中", "Draft", "#94a3b8")
    OPEN = ("open", "征集中", "Open for suggestions", "#10b981")
    CLOSED = ("closed", "已截止", "Closed", "#64748b")


class SuggestionChannel(LabeledEnum):
    """Where a suggestion came from."""

    WEB = ("web", "网上征集", "Web form")
    HOTLINE = ("hotline", "12345热线（建议类）", "12345 call marked as a suggestion")
    ROUNDTABLE = ("roundtable", "市民圆桌会", "Citizens' roundtable")
    LETTER = ("letter", "来信", "Letter")
    VISIT = ("visit", "走访社区", "Community visit")


class Outcome(LabeledEnum):
    """The answer to a suggestion (or a theme): adopted, partly, kept for reference, not adopted."""

    ADOPTED = ("adopted", "采纳", "Adopted", "#16a34a")
    PARTLY = ("partly", "部分采纳", "Partly adopted", "#84cc16")
    REFERENCE = ("reference", "留作参考", "Kept for reference", "#f59e0b")
    NOT_ADOPTED = ("not_adopted", "不予采纳", "Not adopted", "#94a3b8")


#: Outcomes that count as adopted in the statistics (部分采纳 counts: the city reports 采纳率 that way [I]).
ADOPTED_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.ADOPTED, Outcome.PARTLY})

#: Outcomes that need a reason the proposer is told (all but full adoption; adoption may still explain).
NEEDS_REASON: frozenset[Outcome] = frozenset({Outcome.PARTLY, Outcome.REFERENCE, Outcome.NOT_ADOPTED})


class RoundtableStatus(LabeledEnum):
    """A citizens' roundtable (市民圆桌会): scheduled, held, cancelled."""

    SCHEDULED = ("scheduled", "已排期", "Scheduled", "#0ea5e9")
    HELD = ("held", "已召开", "Held", "#16a34a")
    CANCELLED = ("cancelled", "已取消", "Cancelled", "#94a3b8")


class ParticipantKind(LabeledEnum):
    """How someone came to a roundtable or meeting."""

    INVITED = ("invited", "受邀", "Invited")
    REGISTERED = ("registered", "报名", "Registered")


class ConsultationStatus(LabeledEnum):
    """A draft decision's consultation (决策公众参与): drafted, open for comment, closed, final record made."""

    DRAFT = ("draft", "起草中", "Draft", "#94a3b8")
    OPEN = ("open", "公开征求意见", "Open for comment", "#10b981")
    CLOSED = ("closed", "征求意见结束", "Comment closed", "#64748b")
    FINAL = ("final", "已形成最终稿", "Final record", "#15803d")


class OpinionSource(LabeledEnum):
    """Where an opinion on a draft was given."""

    ONLINE = ("online", "网上留言", "Online comment")
    MEETING = ("meeting", "会议发言", "Spoken at the meeting")
    LETTER = ("letter", "书面意见", "Written opinion")
