"""Screen one case: R0 status per regime on the export date, R1–R8 scope, R2–R4 policy, obligations, gaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from gridloop.exportcontrol.domain.answer import (
    Answer,
    DataGap,
    GapKind,
    Obligation,
    Presumption,
    RegimeAnswer,
)
from gridloop.exportcontrol.domain.lists import ListSnapshot, check_end_user
from gridloop.exportcontrol.domain.model import Case
from gridloop.exportcontrol.domain.regimes import (
    REGIMES,
    SUSPENSIONS,
    AfterSuspensionSetting,
    Regime,
    Status,
    TemporalStatus,
    temporal_status,
)
from gridloop.exportcontrol.domain.rules import (
    NO61,
    Scope,
    all3,
    cite61,
    licensing_policy,
    r1a_de_minimis,
    r1b_technology,
    r1c_origin,
    r5_notices,
    r6_technology,
    r7_no18,
    r8_no57,
)
from gridloop.exportcontrol.domain.valuation import ValuationSettings, compute_ratio
from gridloop.exportcontrol.domain.workdays import WeekdayCalendar, WorkCalendar, add_workdays

HUMANITARIAN_REPORT_WORKING_DAYS = 10
REPORT_MAILBOX = "jingwaibaogao@mofcom.gov.cn"
LICENCE_PORTAL = "http://ecomp.mofcom.gov.cn"


@dataclass(frozen=True)
class Context:
    """Everything a screening depends on besides the case: lists, administrator settings, calendar."""

    lists: tuple[ListSnapshot, ...] = ()
    after_suspension: Mapping[str, AfterSuspensionSetting] = field(default_factory=dict)
    valuation: ValuationSettings = field(default_factory=ValuationSettings)
    calendar: WorkCalendar = field(default_factory=WeekdayCalendar)
    calendar_name: str = "weekdays (Mon–Fri), no official holidays"


def _setting_gap(ts: TemporalStatus, regime_id: str) -> DataGap:
    sid = ts.setting.suspension_id if ts.setting else "?"
    return DataGap(
        GapKind.SETTING,
        f"settings.after_suspension.{sid}",
        "what applies after the suspension window is not confirmed by an administrator",
        "暂停期满后的适用情况尚未经管理员确认",
        (regime_id,),
    )


def _licence_obligations(
    row: Regime, case: Case, presumption: Presumption | None, *, conditional: bool, context: Context
) -> list[Obligation]:
    if row.id in NO61 and presumption is Presumption.EXEMPT:
        due = add_workdays(case.export_date, HUMANITARIAN_REPORT_WORKING_DAYS, calendar=context.calendar)
        return [
            Obligation(
                "report_within_10_working_days",
                f"report the export to {REPORT_MAILBOX} within {HUMANITARIAN_REPORT_WORKING_DAYS} working days, "
                "with a commitment that the items will not harm China's national security and interests",
                f"出口后{HUMANITARIAN_REPORT_WORKING_DAYS}个工作日内向{REPORT_MAILBOX}报告，并承诺不损害中国国家安全和利益",
                cite61("Art. 5", "第五条"),
                due=due,
                conditional=conditional,
            )
        ]
    if row.id in NO61:
        return [
            Obligation(
                "apply_for_licence",
                f"apply for a dual-use export licence at {LICENCE_PORTAL}, documents in Chinese "
                "(directly or through a Chinese enterprise, intermediary, chamber or association)",
                f"通过{LICENCE_PORTAL}申请两用物项出口许可，申请材料使用中文",
                cite61("Art. 6", "第六条"),
                conditional=conditional,
            )
        ]
    return [
        Obligation(
            "apply_for_licence",
            "apply for a dual-use export licence before export",
            "出口前申请两用物项出口许可",
            row.citation,
            conditional=conditional,
        )
    ]


def _notice_obligations(case: Case, *, conditional: bool) -> list[Obligation]:
    chinese = case.exporter.is_chinese_person_or_in_china
    out: list[Obligation] = []
    if chinese is not False:
        cond = conditional or chinese is None
        out.append(
            Obligation(
                "declare_final_destination",
                "declare the final destination country/region at customs",
                "报关时申报最终目的国或地区",
                cite61("Art. 7", "第七条"),
                conditional=cond,
            )
        )
        out.append(
            Obligation(
                "issue_compliance_notice",
                "give the foreign importer / end user a 合规告知书",
                "向境外进口商、最终用户出具《合规告知书》",
                cite61("Art. 7", "第七条", "Annex 2"),
                conditional=cond,
            )
        )
    if chinese is not True:
        out.append(
            Obligation(
                "forward_compliance_notice",
                "pass a 合规告知书 to the next recipient",
                "向下一手接收方传递《合规告知书》",
                cite61("Art. 7", "第七条", "Annex 2"),
                conditional=conditional or chinese is None,
            )
        )
    return out


def _merge(gaps: list[DataGap]) -> tuple[DataGap, ...]:
    merged: dict[tuple[str, str], DataGap] = {}
    for gap in gaps:
        key = (gap.field, gap.en)
        old = merged.get(key)
        regimes = tuple(dict.fromkeys((*(old.regimes if old else ()), *gap.regimes)))
        merged[key] = DataGap(gap.kind, gap.field, gap.en, gap.zh, regimes)
    return tuple(merged.values())


def screen(case: Case, *, context: Context) -> Answer:
    """Screen `case` against every regime on its export date (advisory, not legal advice)."""
    ratio = compute_ratio(case.item, case.bom, settings=context.valuation, bom_complete=case.bom_complete)
    users = check_end_user(case.end_user, snapshots=context.lists, on=case.export_date)
    policy = licensing_policy(case, users)
    scopes: dict[str, Scope] = {
        "no61-1-1": r1a_de_minimis(case, ratio),
        "no61-1-2": r1b_technology(case),
        "no61-1-3": r1c_origin(case),
        "no61-7": r5_notices(case),
        "no62": r6_technology(case),
        "no18": r7_no18(case),
        "no57": r8_no57(case),
    }
    answers: list[RegimeAnswer] = []
    for row in REGIMES:
        scope = scopes[row.id]
        ts = temporal_status(row, on=case.export_date, settings=context.after_suspension)
        gaps = list(scope.gaps)
        triggered = list(scope.triggered)
        presumption: Presumption | None = None
        if scope.applies is not False and row.id in NO61:
            presumption = policy.presumption
            triggered += policy.triggered
            gaps += policy.gaps
        elif scope.applies is not False and row.id != "no61-7":
            presumption = Presumption.STANDARD
        in_scope: bool | None = False
        if row.id != "no61-7":
            in_scope = scope.applies
            if presumption is Presumption.EXEMPT:
                # an unsettled denial factor (military user, list, ownership) could still void the exemption [I]
                in_scope = None if policy.gaps and scope.applies is not False else False
        if ts.status is Status.UNCONFIRMED and scope.applies is not False:
            gaps.append(_setting_gap(ts, row.id))
        obligations: list[Obligation] = []
        if scope.applies is not False and ts.in_force is not False:
            conditional = ts.in_force is None or scope.applies is None or (in_scope is None and row.id in NO61)
            if row.id == "no61-7":
                obligations = _notice_obligations(case, conditional=conditional)
            elif in_scope is not False or presumption is Presumption.EXEMPT:
                obligations = _licence_obligations(row, case, presumption, conditional=conditional, context=context)
        answers.append(
            RegimeAnswer(
                regime_id=row.id,
                announcement=row.announcement,
                title_en=row.title_en,
                title_zh=row.title_zh,
                citation=row.citation,
                status=ts.status,
                status_basis_en=ts.basis_en,
                status_basis_zh=ts.basis_zh,
                setting_relied_on=ts.setting,
                applies=scope.applies,
                licence_required=all3([in_scope, ts.in_force]),
                licence_required_if_resumed=in_scope if ts.status is Status.UNCONFIRMED else None,
                presumption=presumption,
                obligations=tuple(obligations),
                triggered_rules=tuple(triggered),
                data_gaps=_merge(gaps),
            )
        )
    settings = {
        "after_suspension": [
            (context.after_suspension.get(s.id) or AfterSuspensionSetting(s.id)).as_dict() for s in SUSPENSIONS
        ],
        "valuation": context.valuation.as_dict(),
        "calendar": context.calendar_name,
    }
    all_gaps = [g for a in answers for g in a.data_gaps]
    return Answer(
        export_date=case.export_date,
        reference=case.reference,
        regimes=tuple(answers),
        computed_ratio=ratio.as_dict(),
        end_user_findings=tuple(users.hits + users.findings),
        lists_used=tuple(s.as_dict() for s in users.lists_used),
        settings=settings,
        data_gaps=_merge(all_gaps),
    )


def regimes_on(day: date, *, context: Context) -> list[tuple[Regime, TemporalStatus]]:
    """R0 alone: every regime's status on `day` (for the regime table and the console)."""
    return [(row, temporal_status(row, on=day, settings=context.after_suspension)) for row in REGIMES]
