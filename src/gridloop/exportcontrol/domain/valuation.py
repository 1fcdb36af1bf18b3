"""The de-minimis Chinese-content ratio of No. 61 Art. 1(1): ≥ 0.1 % of the item's value, inclusive.

The valuation basis and the currency rules are not specified in the sources read [U]: both are settings
(`ValuationSettings`) shown in every answer, with each line's converted value, so the figure can be audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from gridloop.exportcontrol.domain.answer import DataGap, GapKind
from gridloop.exportcontrol.domain.model import BomLine, Item

DE_MINIMIS = Decimal("0.001")
RATIO_REGIME = "no61-1-1"

#: Words that suggest a Part 1 rare earth (No. 61 Annex 1 Part 1 examples; the full annex was not read [U]).
RARE_EARTH_HINTS = (
    "钐", "镝", "钆", "铽", "镥", "钪", "钇", "稀土", "钕",
    "samarium", "dysprosium", "gadolinium", "terbium", "lutetium", "scandium", "yttrium",
    "rare earth", "rare-earth", "smco", "ndfeb", "neodymium",
)  # fmt: skip


def mentions_rare_earth(text: str) -> bool:
    """Whether a material name or description names a Part 1 rare earth (a hint, never a classification)."""
    folded = text.casefold()
    return any(hint in folded for hint in RARE_EARTH_HINTS)


@dataclass(frozen=True)
class ValuationSettings:
    """How values are compared: basis label, reference currency, conversion rates (reference units per unit)."""

    basis: str = "transaction_value"
    reference_currency: str = "CNY"
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    rates_as_of: str = ""
    rates_source: str = ""
    confirmed_by: str = ""

    def convert(self, amount: Decimal, currency: str) -> Decimal | None:
        """`amount` in the reference currency, or None when no rate is set for `currency`."""
        code = currency.strip().upper()
        if code == self.reference_currency.upper():
            return amount
        rate = self.rates.get(code)
        return None if rate is None else amount * rate

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "basis": self.basis,
            "reference_currency": self.reference_currency,
            "rates": {k: str(v) for k, v in sorted(self.rates.items())},
            "rates_as_of": self.rates_as_of,
            "rates_source": self.rates_source,
            "confirmed_by": self.confirmed_by,
        }


@dataclass(frozen=True)
class RatioResult:
    """The computation: counted lines, numerator, denominator, ratio, and whether it meets the threshold."""

    numerator: Decimal
    denominator: Decimal | None
    ratio: Decimal | None
    meets: bool | None
    lines: tuple[dict[str, Any], ...]
    gaps: tuple[DataGap, ...]
    settings: ValuationSettings

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON (decimals as strings, the ratio also as a percentage)."""
        return {
            "threshold": str(DE_MINIMIS),
            "threshold_inclusive": True,
            "numerator": str(self.numerator),
            "denominator": None if self.denominator is None else str(self.denominator),
            "ratio": None if self.ratio is None else str(self.ratio),
            "ratio_percent": None if self.ratio is None else f"{self.ratio * 100:.4f}",
            "meets_threshold": self.meets,
            "currency": self.settings.reference_currency,
            "valuation": self.settings.as_dict(),
            "lines": list(self.lines),
        }


def _gap(kind: GapKind, field_name: str, en: str, zh: str) -> DataGap:
    return DataGap(kind, field_name, en, zh, (RATIO_REGIME,))


def _line(index: int, line: BomLine, counted: bool, reason: str, converted: Decimal | None) -> dict[str, Any]:
    return {
        "index": index,
        "material": line.material,
        "annex_part1_code": line.annex_part1_code,
        "part1": line.part1(),
        "china_origin": line.china_origin,
        "value": None if line.value is None else str(line.value),
        "currency": line.currency,
        "value_converted": None if converted is None else str(converted),
        "counted": counted,
        "reason": reason,
    }


def compute_ratio(
    item: Item, bom: tuple[BomLine, ...], *, settings: ValuationSettings, bom_complete: bool | None = None
) -> RatioResult:
    """R1(a): Σ value(China-origin Part 1 lines) / item value, with every uncertain line reported as a gap."""
    gaps: list[DataGap] = []
    lines: list[dict[str, Any]] = []
    uncertain: list[DataGap] = []
    numerator = Decimal(0)
    default_currency = (item.currency or settings.reference_currency).upper()
    used = {
        (b.currency or default_currency).upper() for b in bom if b.part1() and b.china_origin and b.value is not None
    }
    if used <= {default_currency}:
        # one currency throughout: the ratio needs no conversion (it is dimensionless)
        settings = replace(settings, reference_currency=default_currency)
    for i, line in enumerate(bom):
        where = f"bom[{i}]"
        part1 = line.part1()
        if part1 is None:
            if mentions_rare_earth(line.material):
                uncertain.append(
                    _gap(
                        GapKind.CLASSIFICATION,
                        f"{where}.annex_part1_code",
                        f"'{line.material}' names a rare earth but has no Annex 1 Part 1 code or flag",
                        f"“{line.material}”涉及稀土，但未标明是否属于附件1第一部分物项",
                    )
                )
                lines.append(_line(i, line, False, "unclassified rare earth", None))
            else:
                lines.append(_line(i, line, False, "no Part 1 code or flag; the name names no rare earth", None))
            continue
        if not part1:
            lines.append(_line(i, line, False, "not an Annex 1 Part 1 material", None))
            continue
        if line.china_origin is None:
            uncertain.append(
                _gap(
                    GapKind.ORIGIN,
                    f"{where}.china_origin",
                    f"origin of Part 1 material '{line.material}' unknown",
                    f"第一部分物项“{line.material}”原产地不明",
                )
            )
            lines.append(_line(i, line, False, "origin unknown", None))
            continue
        if not line.china_origin:
            lines.append(_line(i, line, False, "Part 1 material not of China origin", None))
            continue
        if line.value is None:
            uncertain.append(
                _gap(
                    GapKind.VALUE,
                    f"{where}.value",
                    f"value of China-origin Part 1 material '{line.material}' unknown",
                    f"中国原产第一部分物项“{line.material}”价值不明",
                )
            )
            lines.append(_line(i, line, False, "value unknown", None))
            continue
        currency = line.currency or default_currency
        converted = settings.convert(line.value, currency)
        if converted is None:
            uncertain.append(
                _gap(
                    GapKind.CURRENCY,
                    f"{where}.currency",
                    f"no conversion rate from {currency} to {settings.reference_currency}",
                    f"未设置{currency}兑{settings.reference_currency}汇率",
                )
            )
            lines.append(_line(i, line, False, "no conversion rate", None))
            continue
        numerator += converted
        lines.append(_line(i, line, True, "China-origin Annex 1 Part 1 material", converted))

    denominator: Decimal | None = None
    if item.value is None:
        gaps.append(_gap(GapKind.VALUE, "item.value", "item value unknown", "物项价值不明"))
    else:
        denominator = settings.convert(item.value, default_currency)
        if denominator is None:
            gaps.append(
                _gap(
                    GapKind.CURRENCY,
                    "item.currency",
                    f"no conversion rate from {default_currency} to {settings.reference_currency}",
                    f"未设置{default_currency}兑{settings.reference_currency}汇率",
                )
            )
    if not bom:
        uncertain.append(
            _gap(GapKind.ORIGIN, "bom", "no bill of materials: Chinese content unknown", "未提供物料清单，中国成分不明")
        )
    elif bom_complete is False:
        uncertain.append(
            _gap(GapKind.ORIGIN, "bom_complete", "bill of materials marked incomplete", "物料清单标注为不完整")
        )

    ratio = None if denominator is None or denominator <= 0 else numerator / denominator
    if ratio is None:
        meets: bool | None = None
        gaps.extend(uncertain)
    elif ratio >= DE_MINIMIS:
        meets = True  # unknown lines can only add to the numerator
    elif uncertain:
        meets = None
        gaps.extend(uncertain)
    else:
        meets = False
    return RatioResult(numerator, denominator, ratio, meets, tuple(lines), tuple(gaps), settings)
