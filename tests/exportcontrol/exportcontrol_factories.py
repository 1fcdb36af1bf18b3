"""Plain factories for export-control tests: a baseline case that each test changes in one place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from gridloop.exportcontrol.domain.answer import Answer, RegimeAnswer
from gridloop.exportcontrol.domain.lists import ListEntry, ListKind, ListSnapshot
from gridloop.exportcontrol.domain.model import (
    AnnexCategory,
    BomLine,
    Case,
    EndUse,
    EndUser,
    Exporter,
    Item,
    TechOrigin,
)
from gridloop.exportcontrol.domain.regimes import AfterSuspension, AfterSuspensionSetting
from gridloop.exportcontrol.domain.screening import Context, screen
from gridloop.exportcontrol.domain.valuation import ValuationSettings

#: Inside the No. 70 window; No. 18 active.
IN_WINDOW = date(2026, 3, 2)
#: After the No. 70 window (2026-11-10).
AFTER_WINDOW = date(2026, 11, 11)
#: Before No. 70 (2025-11-07): No. 61 Art. 1(3) and No. 62 were in force.
BEFORE_SUSPENSION = date(2025, 10, 20)


def foreign_magnet_case(**changes: Any) -> Case:
    """A German maker ships a 10,000 CNY SmCo magnet (Annex 1 Part 2) to the US with 10 CNY of Chinese Sm (0.1 %)."""
    base = Case(
        export_date=AFTER_WINDOW,
        exporter=Exporter(name="Magnetwerk GmbH", is_chinese_person_or_in_china=False, country="DE"),
        destination_country="US",
        item=Item(
            description="SmCo permanent magnet",
            annex_category=AnnexCategory.PART2,
            control_code=None,
            value=Decimal("10000"),
            currency="CNY",
        ),
        bom=(
            BomLine("samarium metal", annex_part1_code="Part1-Sm", china_origin=True, value=Decimal("10")),
            BomLine("steel housing", is_annex_part1=False, china_origin=False, value=Decimal("500")),
        ),
        bom_complete=True,
        production_tech_origin=TechOrigin(uses_china_origin_re_tech=False),
        is_china_origin_item=False,
        end_user=EndUser(name="Acme Motors Inc.", is_military=False),
        end_uses=(EndUse.CIVIL,),
    )
    return replace(base, **changes)


def chinese_export_case(**changes: Any) -> Case:
    """A Shanghai company exports dysprosium oxide (1C905.b) to Japan."""
    base = foreign_magnet_case(
        exporter=Exporter(name="上海稀材有限公司", is_chinese_person_or_in_china=True, country="CN"),
        destination_country="JP",
        item=Item(
            description="dysprosium oxide",
            annex_category=AnnexCategory.PART1,
            control_code="1C905.b",
            value=Decimal("50000"),
            currency="CNY",
        ),
        bom=(),
        is_china_origin_item=True,
    )
    return replace(base, **changes)


def lists(*names: str, kind: ListKind = ListKind.CONTROL, as_of: date = date(2025, 10, 1)) -> tuple[ListSnapshot, ...]:
    """One snapshot of `kind` with `names`, plus an empty snapshot of the other list, both dated `as_of`."""
    other = ListKind.WATCH if kind is ListKind.CONTROL else ListKind.CONTROL
    return (
        ListSnapshot(kind, as_of, tuple(ListEntry(n) for n in names), source="test"),
        ListSnapshot(other, as_of, (), source="test"),
    )


def resumed() -> dict[str, AfterSuspensionSetting]:
    """The administrator confirmed the No. 70 measures resumed after the window."""
    return {
        "mofcom-gac-2025-70": AfterSuspensionSetting(
            "mofcom-gac-2025-70", AfterSuspension.RESUMED, confirmed_by="admin", confirmed_at="2026-11-11T09:00+08:00"
        )
    }


def context(**changes: Any) -> Context:
    """A context with empty lists for both kinds (dated 2025-01-01) and the No. 70 measures confirmed resumed."""
    base = Context(
        lists=lists(as_of=date(2025, 1, 1)),
        after_suspension=resumed(),
        valuation=ValuationSettings(rates={"USD": Decimal("7"), "EUR": Decimal("8")}, rates_as_of="2026-11-01"),
    )
    return replace(base, **changes)


def run(case: Case, **ctx: Any) -> Answer:
    """Screen `case` in the default test context (changed by `ctx`)."""
    return screen(case, context=context(**ctx))


def regime_answer(answer: Answer, regime_id: str) -> RegimeAnswer:
    """The answer for one regime."""
    return next(r for r in answer.regimes if r.regime_id == regime_id)


def gap_fields(answer: RegimeAnswer | Answer) -> set[str]:
    """The fields named by the data gaps of an answer."""
    return {g.field for g in answer.data_gaps}


def rules(answer: RegimeAnswer) -> set[str]:
    """The ids of the rules that fired."""
    return {r.rule for r in answer.triggered_rules}


def case_json(**changes: Any) -> dict[str, Any]:
    """The German SmCo magnet (0.1208 % Chinese samarium) to the US, after the No. 70 window."""
    base: dict[str, Any] = {
        "reference": "T-1",
        "export_date": "2026-12-15",
        "exporter": {"name": "Magnetwerk GmbH", "is_chinese_person_or_in_china": False, "country": "DE"},
        "destination_country": "US",
        "item": {"description": "SmCo magnet", "annex_category": "part2", "value": "12000", "currency": "EUR"},
        "bom": [{"material": "samarium", "annex_part1_code": "P1-Sm", "china_origin": True, "value": "14.5"}],
        "bom_complete": True,
        "production_tech_origin": {"uses_china_origin_re_tech": False},
        "is_china_origin_item": False,
        "end_user": {"name": "Acme Motors Inc.", "is_military": False},
        "end_use": "civil",
    }
    return {**base, **changes}
