"""R1–R8 through `screen`: applies / licence / presumption / obligations / citations / data gaps."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from exportcontrol_factories import (
    BEFORE_SUSPENSION,
    IN_WINDOW,
    chinese_export_case,
    foreign_magnet_case,
    gap_fields,
    lists,
    regime_answer,
    rules,
    run,
)

from gridloop.exportcontrol.domain.answer import DISCLAIMER_EN, DISCLAIMER_ZH, Presumption
from gridloop.exportcontrol.domain.model import (
    AnnexCategory,
    BomLine,
    EndUse,
    EndUser,
    Exporter,
    Item,
    Owner,
    Technology,
    TechOrigin,
)
from gridloop.exportcontrol.domain.regimes import Status
from gridloop.exportcontrol.domain.workdays import WeekdayCalendar


def test_foreign_part2_item_at_exactly_the_threshold_needs_a_licence_under_art_1_1() -> None:
    answer = regime_answer(run(foreign_magnet_case()), "no61-1-1")
    assert (answer.applies, answer.licence_required, answer.presumption) == (True, True, Presumption.STANDARD)
    rule = next(r for r in answer.triggered_rules if r.rule == "R1a")
    assert (rule.citation.announcement, rule.citation.article) == ("MOFCOM 2025 No. 61", "Art. 1(1)")
    assert "Part 2" in rule.citation.annex_item
    assert [o.code for o in answer.obligations] == ["apply_for_licence"]


def test_just_below_the_threshold_art_1_1_does_not_apply() -> None:
    case = foreign_magnet_case(
        bom=(BomLine("samarium", annex_part1_code="P1", china_origin=True, value=Decimal("9.99")),)
    )
    answer = regime_answer(run(case), "no61-1-1")
    assert (answer.applies, answer.licence_required, answer.data_gaps) == (False, False, ())


def test_inside_the_no70_window_art_1_1_applies_but_no_licence_is_required() -> None:
    answer = regime_answer(run(foreign_magnet_case(export_date=IN_WINDOW)), "no61-1-1")
    assert (answer.status, answer.applies, answer.licence_required) == (Status.SUSPENDED, True, False)
    assert answer.obligations == ()


def test_after_the_window_without_a_confirmed_setting_the_answer_is_conditional() -> None:
    result = run(foreign_magnet_case(), after_suspension={})
    answer = regime_answer(result, "no61-1-1")
    assert (answer.status, answer.licence_required, answer.licence_required_if_resumed) == (
        Status.UNCONFIRMED, None, True)  # fmt: skip
    assert answer.conditional and "settings.after_suspension.mofcom-gac-2025-70" in gap_fields(answer)
    assert answer.setting_relied_on is not None and answer.setting_relied_on.value == "unconfirmed"
    assert result.licence_required_any is None
    assert all(o.conditional for o in answer.obligations)


def test_every_answer_names_the_after_suspension_setting_and_valuation_it_used() -> None:
    settings = run(foreign_magnet_case()).as_dict()["settings"]
    assert settings["after_suspension"][0]["value"] == "resumed"
    assert settings["after_suspension"][0]["confirmed_by"] == "admin"
    assert settings["valuation"]["reference_currency"] == "CNY"


def test_technology_origin_triggers_art_1_2() -> None:
    case = foreign_magnet_case(production_tech_origin=TechOrigin(uses_china_origin_re_tech=True))
    answer = regime_answer(run(case), "no61-1-2")
    assert (answer.applies, answer.licence_required) == (True, True)
    assert "R1b" in rules(answer)


def test_unknown_technology_origin_is_a_gap() -> None:
    answer = regime_answer(run(foreign_magnet_case(production_tech_origin=TechOrigin())), "no61-1-2")
    assert answer.applies is None and answer.licence_required is None
    assert "production_tech_origin.uses_china_origin_re_tech" in gap_fields(answer)


def test_china_origin_item_exported_by_a_foreigner_triggers_art_1_3_before_the_suspension() -> None:
    case = foreign_magnet_case(is_china_origin_item=True, export_date=BEFORE_SUSPENSION)
    answer = regime_answer(run(case), "no61-1-3")
    assert (answer.status, answer.licence_required) == (Status.ACTIVE, True)
    assert "R1c" in rules(answer)


def test_unknown_item_origin_is_a_gap_for_art_1_3() -> None:
    answer = regime_answer(run(foreign_magnet_case(is_china_origin_item=None)), "no61-1-3")
    assert answer.applies is None and "is_china_origin_item" in gap_fields(answer)


def test_item_outside_annex1_is_not_subject_to_no61() -> None:
    item = Item("copper coil", annex_category=AnnexCategory.OTHER, value=Decimal("100"), currency="CNY")
    result = run(foreign_magnet_case(item=item, is_china_origin_item=True))
    assert [regime_answer(result, r).applies for r in ("no61-1-1", "no61-1-2", "no61-1-3", "no61-7")] == [False] * 4


def test_export_to_china_is_outside_no61() -> None:
    result = run(foreign_magnet_case(destination_country="中国"))
    assert regime_answer(result, "no61-1-1").applies is False


def test_unknown_destination_and_exporter_are_gaps() -> None:
    case = foreign_magnet_case(destination_country=None, exporter=Exporter(name="?"))
    answer = regime_answer(run(case), "no61-1-1")
    assert answer.applies is None
    assert {"destination_country", "exporter.is_chinese_person_or_in_china"} <= gap_fields(answer)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"end_user": EndUser(name="Acme Motors Inc.", is_military=True)}, "R3-military-user"),
        ({"end_uses": (EndUse.WMD,)}, "R3-end-use"),
        ({"end_uses": (EndUse.TERRORISM,)}, "R3-end-use"),
        ({"end_uses": (EndUse.MILITARY,)}, "R3-end-use"),
    ],
)
def test_each_denial_factor_sets_presumption_deny(change: dict[str, object], rule: str) -> None:
    answer = regime_answer(run(foreign_magnet_case(**change)), "no61-1-1")
    assert answer.presumption is Presumption.DENY and rule in rules(answer)
    cited = {r.citation.article for r in answer.triggered_rules if r.rule == rule}
    assert cited == ({"Art. 2"} if rule == "R3-military-user" else {"Art. 3"})


def test_listed_end_user_sets_presumption_deny() -> None:
    answer = regime_answer(run(foreign_magnet_case(), lists=lists("Acme Motors Inc.")), "no61-1-1")
    assert answer.presumption is Presumption.DENY and "R3-listed" in rules(answer)


def test_end_user_fifty_percent_owned_by_a_listed_parent_sets_deny() -> None:
    user = EndUser(name="Acme Motors Inc.", is_military=False, parent_chain=(Owner("Listed Parent", Decimal("50")),))
    answer = regime_answer(run(foreign_magnet_case(end_user=user), lists=lists("Listed Parent")), "no61-1-1")
    assert answer.presumption is Presumption.DENY


def test_end_user_just_below_fifty_percent_owned_by_a_listed_parent_is_standard() -> None:
    user = EndUser(name="Acme Motors Inc.", is_military=False, parent_chain=(Owner("Listed Parent", Decimal("49.9")),))
    answer = regime_answer(run(foreign_magnet_case(end_user=user), lists=lists("Listed Parent")), "no61-1-1")
    assert answer.presumption is Presumption.STANDARD


@pytest.mark.parametrize(
    "use", [EndUse.ADV_LOGIC_LE14NM, EndUse.MEMORY_GE256L, EndUse.SEMI_EQUIPMENT_FOR_THOSE, EndUse.MILITARY_AI_RD]
)
def test_each_advanced_chip_or_ai_end_use_is_case_by_case(use: EndUse) -> None:
    answer = regime_answer(run(foreign_magnet_case(end_uses=(use,))), "no61-1-1")
    assert answer.presumption is Presumption.CASE_BY_CASE and answer.licence_required is True
    assert {r.citation.article for r in answer.triggered_rules if r.rule == "R4"} == {"Art. 4"}


def test_denial_outranks_case_by_case() -> None:
    answer = regime_answer(run(foreign_magnet_case(end_uses=(EndUse.WMD, EndUse.MEMORY_GE256L))), "no61-1-1")
    assert answer.presumption is Presumption.DENY


@pytest.mark.parametrize("use", [EndUse.HUMANITARIAN_MEDICAL, EndUse.PUBLIC_HEALTH, EndUse.DISASTER_RELIEF])
def test_each_humanitarian_end_use_is_exempt_with_a_report_due_in_ten_working_days(use: EndUse) -> None:
    case = foreign_magnet_case(end_uses=(use,), export_date=date(2026, 11, 13))  # a Friday
    answer = regime_answer(run(case, calendar=WeekdayCalendar()), "no61-1-1")
    assert (answer.presumption, answer.licence_required) == (Presumption.EXEMPT, False)
    report = next(o for o in answer.obligations if o.code == "report_within_10_working_days")
    assert report.due == date(2026, 11, 27), report.due
    assert report.citation.article == "Art. 5"


def test_humanitarian_report_deadline_skips_holidays_of_the_injected_calendar() -> None:
    class Holiday:
        def is_workday(self, day: date) -> bool:
            return day.weekday() < 5 and day != date(2026, 11, 16)

    case = foreign_magnet_case(end_uses=(EndUse.DISASTER_RELIEF,), export_date=date(2026, 11, 13))
    report = regime_answer(run(case, calendar=Holiday()), "no61-1-1").obligations[0]
    assert report.due == date(2026, 11, 30)


def test_humanitarian_exemption_is_not_applied_to_a_military_end_user() -> None:
    case = foreign_magnet_case(end_uses=(EndUse.HUMANITARIAN_MEDICAL,), end_user=EndUser(name="Army", is_military=True))
    answer = regime_answer(run(case), "no61-1-1")
    assert answer.presumption is Presumption.DENY and "R2-overridden" in rules(answer)


def test_mixed_civil_and_humanitarian_use_is_not_exempt() -> None:
    case = foreign_magnet_case(end_uses=(EndUse.CIVIL, EndUse.PUBLIC_HEALTH))
    assert regime_answer(run(case), "no61-1-1").presumption is Presumption.STANDARD


def test_missing_end_use_and_military_status_are_gaps() -> None:
    case = foreign_magnet_case(end_uses=(), end_user=EndUser(name="Acme Motors Inc."))
    answer = regime_answer(run(case), "no61-1-1")
    assert {"end_use", "end_user.is_military"} <= gap_fields(answer) and answer.conditional


def test_chinese_exporter_of_annex1_items_must_declare_destination_and_issue_a_notice() -> None:
    answer = regime_answer(run(chinese_export_case(export_date=BEFORE_SUSPENSION)), "no61-7")
    assert answer.applies is True
    assert [o.code for o in answer.obligations] == ["declare_final_destination", "issue_compliance_notice"]


def test_foreign_exporter_of_annex1_items_must_forward_the_notice() -> None:
    answer = regime_answer(run(foreign_magnet_case()), "no61-7")
    assert [o.code for o in answer.obligations] == ["forward_compliance_notice"]
    assert answer.licence_required is False


def test_chinese_exporter_is_outside_no61_art1_but_needs_a_no18_licence_for_dysprosium() -> None:
    result = run(chinese_export_case(export_date=IN_WINDOW))
    assert regime_answer(result, "no61-1-3").applies is False
    no18 = regime_answer(result, "no18")
    assert (no18.status, no18.applies, no18.licence_required) == (Status.ACTIVE, True, True)
    assert no18.triggered_rules[0].citation.annex_item == "1C902–1C908"


def test_no18_starts_on_its_effective_date() -> None:
    assert regime_answer(run(chinese_export_case(export_date=date(2025, 4, 3))), "no18").licence_required is False
    assert regime_answer(run(chinese_export_case(export_date=date(2025, 4, 4))), "no18").licence_required is True


def test_no57_holmium_is_in_scope_but_suspended_inside_the_window() -> None:
    item = Item("holmium oxide", annex_category=AnnexCategory.PART1, control_code="1C909.b", value=Decimal("1"))
    answer = regime_answer(run(chinese_export_case(item=item, export_date=IN_WINDOW)), "no57")
    assert (answer.applies, answer.status, answer.licence_required) == (True, Status.SUSPENDED, False)


def test_rare_earth_item_without_control_code_is_a_classification_gap_for_no18() -> None:
    item = Item("terbium metal", annex_category=AnnexCategory.PART1, value=Decimal("1"))
    answer = regime_answer(run(chinese_export_case(item=item)), "no18")
    assert answer.applies is None and "item.control_code" in gap_fields(answer)


def test_no62_technology_transfer_by_a_chinese_person_needs_a_licence_before_the_suspension() -> None:
    case = chinese_export_case(export_date=BEFORE_SUSPENSION, technology=Technology(control_code="1E902.a"))
    answer = regime_answer(run(case), "no62")
    assert (answer.applies, answer.licence_required) == (True, True) and "R6-1E902" in rules(answer)


def test_no62_is_suspended_inside_the_window() -> None:
    case = chinese_export_case(export_date=IN_WINDOW, technology=Technology(control_code="1E902.b"))
    answer = regime_answer(run(case), "no62")
    assert (answer.status, answer.licence_required) == (Status.SUSPENDED, False)


def test_no62_catch_all_applies_when_the_exporter_knows_it_supports_rare_earth_activity_abroad() -> None:
    tech = Technology(description="consulting", knowingly_supports_foreign_re_activity=True)
    answer = regime_answer(run(chinese_export_case(technology=tech)), "no62")
    assert answer.licence_required is True and "R6-catch-all" in rules(answer)


def test_no62_unknown_knowledge_is_a_gap() -> None:
    tech = Technology(description="consulting")
    answer = regime_answer(run(chinese_export_case(technology=tech)), "no62")
    assert answer.applies is None and "technology.knowingly_supports_foreign_re_activity" in gap_fields(answer)


def test_no62_does_not_apply_to_a_foreign_exporter() -> None:
    case = foreign_magnet_case(technology=Technology(control_code="1E902.a"))
    assert regime_answer(run(case), "no62").applies is False


def test_every_answer_carries_the_disclaimer_in_english_and_chinese_and_is_json() -> None:
    payload = run(replace(foreign_magnet_case(), reference="T-1")).as_dict()
    assert payload["disclaimer"] == {"en": DISCLAIMER_EN, "zh": DISCLAIMER_ZH}
    assert "仅供参考，不构成法律意见" in payload["disclaimer"]["zh"]
    json.dumps(payload, ensure_ascii=False)


def test_top_level_gaps_merge_the_same_field_across_regimes() -> None:
    result = run(foreign_magnet_case(exporter=Exporter(name="?")))
    gap = next(g for g in result.data_gaps if g.field == "exporter.is_chinese_person_or_in_china")
    assert {"no61-1-1", "no18"} <= set(gap.regimes)


def test_humanitarian_exemption_with_an_unsettled_denial_factor_leaves_the_licence_open() -> None:
    case = foreign_magnet_case(end_uses=(EndUse.PUBLIC_HEALTH,), end_user=EndUser(name="Clinic", is_military=None))
    answer = regime_answer(run(case), "no61-1-1")
    assert (answer.presumption, answer.licence_required) == (Presumption.EXEMPT, None)
    assert "end_user.is_military" in gap_fields(answer)


@pytest.mark.parametrize(
    ("day", "needed"),
    [
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 11, 6), True),
        (date(2025, 11, 7), False),
        (date(2026, 11, 10), False),
        (date(2026, 11, 11), True),
    ],
)
def test_china_origin_item_licence_follows_the_window_edges(day: date, needed: bool) -> None:
    answer = regime_answer(run(foreign_magnet_case(is_china_origin_item=True, export_date=day)), "no61-1-3")
    assert answer.licence_required is needed, f"{day}: {answer.status} {answer.status_basis_en}"
