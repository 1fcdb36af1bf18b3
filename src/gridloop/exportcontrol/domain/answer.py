"""What a screening says: per-regime answers with citations, data gaps, and the advisory disclaimer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from gridloop.exportcontrol.domain.regimes import AfterSuspensionSetting, Citation, Status

DISCLAIMER_EN = "Advisory, not legal advice."
DISCLAIMER_ZH = "仅供参考，不构成法律意见。"


class Presumption(StrEnum):
    """How a licence application would be treated (No. 61 Arts. 2–5)."""

    DENY = "deny"
    CASE_BY_CASE = "case_by_case"
    STANDARD = "standard"
    EXEMPT = "exempt"


PRESUMPTION_ZH = {
    Presumption.DENY: "原则上不予许可",
    Presumption.CASE_BY_CASE: "逐案审批",
    Presumption.STANDARD: "一般审查",
    Presumption.EXEMPT: "无需许可（人道主义豁免）",
}


class GapKind(StrEnum):
    """What kind of fact is missing."""

    ORIGIN = "origin"
    VALUE = "value"
    OWNERSHIP = "ownership"
    CLASSIFICATION = "classification"
    EXPORTER = "exporter"
    DESTINATION = "destination"
    END_USE = "end_use"
    END_USER = "end_user"
    CURRENCY = "currency"
    LIST = "list"
    SETTING = "setting"
    KNOWLEDGE = "knowledge"


@dataclass(frozen=True)
class DataGap:
    """A missing fact that makes an answer conditional; `regimes` are the ones it affects."""

    kind: GapKind
    field: str
    en: str
    zh: str
    regimes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "kind": self.kind.value,
            "field": self.field,
            "en": self.en,
            "zh": self.zh,
            "regimes": list(self.regimes),
        }


@dataclass(frozen=True)
class TriggeredRule:
    """One rule that fired, why, and where it comes from."""

    rule: str
    en: str
    zh: str
    citation: Citation
    detail: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "rule": self.rule,
            "en": self.en,
            "zh": self.zh,
            "citation": self.citation.as_dict(),
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Obligation:
    """Something the exporter must do; `conditional` when it depends on an unconfirmed setting or a gap."""

    code: str
    en: str
    zh: str
    citation: Citation
    due: date | None = None
    conditional: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "code": self.code,
            "en": self.en,
            "zh": self.zh,
            "citation": self.citation.as_dict(),
            "due": self.due.isoformat() if self.due else None,
            "conditional": self.conditional,
        }


@dataclass(frozen=True)
class RegimeAnswer:
    """The answer for one regime: `applies` is about scope, `licence_required` adds the status on the date."""

    regime_id: str
    announcement: str
    title_en: str
    title_zh: str
    citation: Citation
    status: Status
    status_basis_en: str
    status_basis_zh: str
    setting_relied_on: AfterSuspensionSetting | None
    applies: bool | None
    licence_required: bool | None
    licence_required_if_resumed: bool | None
    presumption: Presumption | None
    obligations: tuple[Obligation, ...]
    triggered_rules: tuple[TriggeredRule, ...]
    data_gaps: tuple[DataGap, ...]

    @property
    def conditional(self) -> bool:
        """Whether the answer depends on a missing fact or an unconfirmed setting."""
        return bool(self.data_gaps) or self.status is Status.UNCONFIRMED

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "regime": self.regime_id,
            "announcement": self.announcement,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "citation": self.citation.as_dict(),
            "status": self.status.value,
            "status_basis_en": self.status_basis_en,
            "status_basis_zh": self.status_basis_zh,
            "setting_relied_on": self.setting_relied_on.as_dict() if self.setting_relied_on else None,
            "applies": self.applies,
            "licence_required": self.licence_required,
            "licence_required_if_resumed": self.licence_required_if_resumed,
            "presumption": self.presumption.value if self.presumption else None,
            "obligations": [o.as_dict() for o in self.obligations],
            "triggered_rules": [r.as_dict() for r in self.triggered_rules],
            "data_gaps": [g.as_dict() for g in self.data_gaps],
            "conditional": self.conditional,
        }


@dataclass(frozen=True)
class Answer:
    """A whole screening: every regime, the de-minimis computation, lists and settings used, and the gaps."""

    export_date: date
    reference: str
    regimes: tuple[RegimeAnswer, ...]
    computed_ratio: dict[str, Any]
    end_user_findings: tuple[dict[str, Any], ...]
    lists_used: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    data_gaps: tuple[DataGap, ...]
    disclaimer_en: str = DISCLAIMER_EN
    disclaimer_zh: str = DISCLAIMER_ZH

    @property
    def licence_required_any(self) -> bool | None:
        """True if any regime needs a licence; None if none does for sure but some answer is undetermined."""
        values = [r.licence_required for r in self.regimes]
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False

    @property
    def conditional(self) -> bool:
        """Whether any part of the answer depends on a gap or an unconfirmed setting."""
        return any(r.conditional for r in self.regimes)

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON (the shape the CLI --json, the API and the audit table share)."""
        return {
            "disclaimer": {"en": self.disclaimer_en, "zh": self.disclaimer_zh},
            "export_date": self.export_date.isoformat(),
            "reference": self.reference,
            "licence_required_any": self.licence_required_any,
            "conditional": self.conditional,
            "regimes": [r.as_dict() for r in self.regimes],
            "computed_ratio": self.computed_ratio,
            "end_user_findings": list(self.end_user_findings),
            "lists_used": list(self.lists_used),
            "settings": self.settings,
            "data_gaps": [g.as_dict() for g in self.data_gaps],
        }
