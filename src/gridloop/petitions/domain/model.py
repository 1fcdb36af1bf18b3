"""Labelled vocabularies of petitions: classes, channels, statuses, actions, legal channels, political-legal units."""

from __future__ import annotations

from gridloop.kernel.labels import LabeledEnum


class PetitionClass(LabeledEnum):
    """The three classes of matters the 信访工作条例 handles differently."""

    CLAIM = ("claim", "申诉求决类", "Claims and requests", "#0ea5e9")
    OPINION = ("opinion", "意见建议类", "Opinions and suggestions", "#10b981")
    ACCUSATION = ("accusation", "检举控告类", "Reports and accusations", "#ef4444")


class PetitionChannel(LabeledEnum):
    """How a petition arrived (the regulation's channels)."""

    LETTER = ("letter", "来信", "Letter")
    EMAIL = ("email", "电子邮件", "E-mail")
    FAX = ("fax", "传真", "Fax")
    PHONE = ("phone", "电话", "Phone")
    ONLINE = ("online", "网上信访", "Online platform")
    VISIT = ("visit", "来访", "Visit in person")


class Status(LabeledEnum):
    """Where a petition is in its lifecycle."""

    REGISTERED = ("registered", "已登记", "Registered", "#64748b")
    ACCEPTED = ("accepted", "已受理", "Accepted, being handled", "#0ea5e9")
    NOT_ACCEPTED = ("not_accepted", "不予受理", "Not accepted", "#94a3b8")
    GUIDED_TO_LEGAL = ("guided_to_legal", "已导入法定途径", "Guided to the legal channel", "#8b5cf6")
    ANSWERED = ("answered", "已出具处理意见", "Answered in writing", "#10b981")
    UNDER_REVIEW = ("under_review", "复查中", "Under review (复查)", "#f59e0b")
    REVIEWED = ("reviewed", "已出具复查意见", "Review opinion given", "#10b981")
    UNDER_REREVIEW = ("under_rereview", "复核中", "Under re-review (复核)", "#f97316")
    CLOSED = ("closed", "已办结", "Closed", "#22c55e")
    CLOSED_FINAL = ("closed_final", "复核终结", "Closed at re-review (final)", "#15803d")


class Action(LabeledEnum):
    """What can be done to a petition (the lifecycle table's second key)."""

    ACCEPT = ("accept", "受理", "Accept")
    REJECT = ("reject", "不予受理", "Decide not to accept")
    GUIDE_LEGAL = ("guide_legal", "导入法定途径", "Guide to the legal channel (诉访分离)")
    EXTEND = ("extend", "延长办理期限", "Extend the handling period")
    ANSWER = ("answer", "出具处理意见", "Answer in writing")
    REQUEST_REVIEW = ("request_review", "申请复查", "Request review (复查)")
    DECIDE_REVIEW = ("decide_review", "出具复查意见", "Give the review opinion")
    REQUEST_REREVIEW = ("request_rereview", "申请复核", "Request re-review (复核)")
    DECIDE_REREVIEW = ("decide_rereview", "出具复核意见", "Give the re-review opinion")
    CLOSE = ("close", "办结", "Close (no further request)")


class LegalChannel(LabeledEnum):
    """The statutory procedures a matter may belong to instead of the petition channel (诉访分离)."""

    LITIGATION = ("litigation", "诉讼", "Litigation")
    ARBITRATION = ("arbitration", "仲裁", "Arbitration")
    ADMIN_RECONSIDERATION = ("admin_reconsideration", "行政复议", "Administrative reconsideration")
    CRIMINAL_REPORT = ("criminal_report", "刑事报案", "Criminal report to the police")
    PROSECUTORIAL_SUPERVISION = ("prosecutorial_supervision", "检察监督", "Prosecutorial supervision")


class LegalUnit(LabeledEnum):
    """The political-legal units in the coordination mechanism (涉法涉诉信访工作衔接协同机制)."""

    COURT = ("court", "人民法院", "Court")
    PROCURATORATE = ("procuratorate", "人民检察院", "Procuratorate")
    PUBLIC_SECURITY = ("public_security", "公安机关", "Public security")
    JUSTICE_BUREAU = ("justice_bureau", "司法行政机关", "Justice bureau")


class CoordinationStatus(LabeledEnum):
    """Where a coordination record (transfer to a political-legal unit) stands."""

    TRANSFERRED = ("transferred", "已移送", "Transferred", "#64748b")
    ACKNOWLEDGED = ("acknowledged", "已签收", "Acknowledged", "#0ea5e9")
    RESULT = ("result", "已反馈结果", "Result returned", "#10b981")
    FED_BACK = ("fed_back", "已告知信访人", "Petitioner told", "#22c55e")
