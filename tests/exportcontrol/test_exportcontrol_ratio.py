"""R1(a) de minimis: ≥ 0.1 % inclusive, currency conversion shown, unknown lines become data gaps."""

from __future__ import annotations

from decimal import Decimal

from exportcontrol_factories import foreign_magnet_case

from gridloop.exportcontrol.domain.answer import GapKind
from gridloop.exportcontrol.domain.model import BomLine, Item
from gridloop.exportcontrol.domain.valuation import ValuationSettings, compute_ratio

SETTINGS = ValuationSettings(rates={"USD": Decimal("7.1")}, rates_as_of="2026-11-01", rates_source="test")
ITEM = Item("magnet", value=Decimal("10000"), currency="CNY")


def _sm(value: str, currency: str | None = None) -> BomLine:
    return BomLine(
        "samarium metal", annex_part1_code="Part1-Sm", china_origin=True, value=Decimal(value), currency=currency
    )


def test_exactly_one_tenth_of_a_percent_meets_the_threshold() -> None:
    result = compute_ratio(ITEM, (_sm("10"),), settings=SETTINGS)
    assert (result.ratio, result.meets) == (Decimal("0.001"), True)


def test_just_below_one_tenth_of_a_percent_does_not_meet_it() -> None:
    result = compute_ratio(ITEM, (_sm("9.99"),), settings=SETTINGS)
    assert result.meets is False, result.as_dict()
    assert result.gaps == ()


def test_non_china_origin_and_non_part1_lines_are_not_counted() -> None:
    bom = (
        BomLine("samarium metal", annex_part1_code="x", china_origin=False, value=Decimal("100")),
        BomLine("steel", is_annex_part1=False, value=Decimal("900")),
    )
    result = compute_ratio(ITEM, bom, settings=SETTINGS)
    assert (result.numerator, result.meets) == (Decimal(0), False)
    assert [line["counted"] for line in result.lines] == [False, False]


def test_line_values_are_converted_to_the_reference_currency_and_shown() -> None:
    result = compute_ratio(ITEM, (_sm("1.5", "USD"),), settings=SETTINGS)
    assert result.numerator == Decimal("10.65")
    shown = result.as_dict()
    assert shown["lines"][0]["value_converted"] == "10.65"
    assert shown["valuation"]["rates"] == {"USD": "7.1"} and shown["valuation"]["basis"] == "transaction_value"
    assert shown["ratio_percent"] == "0.1065"


def test_missing_conversion_rate_is_a_currency_gap() -> None:
    result = compute_ratio(ITEM, (_sm("5", "JPY"),), settings=SETTINGS)
    assert result.meets is None
    assert [g.kind for g in result.gaps] == [GapKind.CURRENCY]


def test_unknown_origin_below_the_threshold_leaves_the_answer_open() -> None:
    bom = (_sm("5"), BomLine("dysprosium", annex_part1_code="Part1-Dy", china_origin=None, value=Decimal("20")))
    result = compute_ratio(ITEM, bom, settings=SETTINGS)
    assert result.meets is None
    assert {g.field for g in result.gaps} == {"bom[1].china_origin"}


def test_unknown_origin_does_not_matter_once_the_known_content_meets_the_threshold() -> None:
    bom = (_sm("10"), BomLine("dysprosium", annex_part1_code="Part1-Dy", china_origin=None))
    result = compute_ratio(ITEM, bom, settings=SETTINGS)
    assert (result.meets, result.gaps) == (True, ())


def test_unknown_value_of_china_origin_part1_material_is_a_value_gap() -> None:
    bom = (BomLine("terbium", annex_part1_code="Part1-Tb", china_origin=True),)
    result = compute_ratio(ITEM, bom, settings=SETTINGS)
    assert result.meets is None and [g.kind for g in result.gaps] == [GapKind.VALUE]


def test_unknown_item_value_is_a_value_gap() -> None:
    result = compute_ratio(Item("magnet"), (_sm("10"),), settings=SETTINGS)
    assert (result.ratio, result.meets) == (None, None)
    assert "item.value" in {g.field for g in result.gaps}


def test_no_bill_of_materials_is_an_origin_gap() -> None:
    result = compute_ratio(ITEM, (), settings=SETTINGS)
    assert result.meets is None and {g.field for g in result.gaps} == {"bom"}


def test_incomplete_bill_of_materials_below_threshold_is_a_gap() -> None:
    result = compute_ratio(ITEM, (_sm("1"),), settings=SETTINGS, bom_complete=False)
    assert result.meets is None and {g.field for g in result.gaps} == {"bom_complete"}


def test_rare_earth_named_material_without_classification_is_a_gap_not_a_silent_zero() -> None:
    bom = (BomLine("镝铁合金", china_origin=True, value=Decimal("50")),)
    result = compute_ratio(ITEM, bom, settings=SETTINGS)
    assert result.meets is None and [g.kind for g in result.gaps] == [GapKind.CLASSIFICATION]


def test_ordinary_material_without_classification_is_not_counted_and_says_why() -> None:
    result = compute_ratio(ITEM, (BomLine("copper wire", value=Decimal("50")),), settings=SETTINGS)
    assert result.meets is False
    assert "names no rare earth" in result.lines[0]["reason"]


def test_mixed_currencies_are_converted_to_the_reference_currency() -> None:
    item = Item("magnet", value=Decimal("1000"), currency="USD")  # 7,100 CNY
    result = compute_ratio(item, (_sm("71", "CNY"),), settings=SETTINGS)
    assert (result.denominator, result.ratio) == (Decimal("7100.0"), Decimal("0.01"))
    assert result.as_dict()["currency"] == "CNY"


def test_case_factory_sits_exactly_on_the_threshold() -> None:
    case = foreign_magnet_case()
    result = compute_ratio(case.item, case.bom, settings=SETTINGS)
    assert result.ratio == Decimal("0.001")


def test_one_currency_throughout_needs_no_conversion_rate() -> None:
    item = Item("magnet", value=Decimal("12000"), currency="EUR")
    result = compute_ratio(item, (_sm("14.5", "EUR"),), settings=ValuationSettings())
    assert (result.meets, result.gaps) == (True, ())
    assert result.as_dict()["currency"] == "EUR"
