"""The facts of one shipment to screen: plain, immutable, stdlib-only; unknown facts are None, never guessed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class AnnexCategory(StrEnum):
    """Where an item sits in No. 61 Annex 1: Part 1 (materials), Part 2 (magnets, targets), or neither."""

    PART1 = "part1"
    PART2 = "part2"
    OTHER = "other"


class TechStage(StrEnum):
    """The China-origin rare-earth technology stages named in No. 61 Art. 1(2)."""

    MINING = "mining"
    SEPARATION = "separation"
    METAL_SMELTING = "metal_smelting"
    MAGNET_MFG = "magnet_mfg"
    RECYCLING = "recycling"


class EndUse(StrEnum):
    """End uses the rules distinguish (domain.md §5.3)."""

    CIVIL = "civil"
    MILITARY = "military"
    WMD = "wmd"
    TERRORISM = "terrorism"
    ADV_LOGIC_LE14NM = "adv_logic_le14nm"
    MEMORY_GE256L = "memory_ge256l"
    SEMI_EQUIPMENT_FOR_THOSE = "semi_equipment_for_those"
    MILITARY_AI_RD = "military_ai_rd"
    HUMANITARIAN_MEDICAL = "humanitarian_medical"
    PUBLIC_HEALTH = "public_health"
    DISASTER_RELIEF = "disaster_relief"


#: End uses under the humanitarian exemption (No. 61 Art. 5).
HUMANITARIAN_USES = frozenset({EndUse.HUMANITARIAN_MEDICAL, EndUse.PUBLIC_HEALTH, EndUse.DISASTER_RELIEF})
#: End uses with a presumption of denial (No. 61 Art. 3).
DENIAL_USES = frozenset({EndUse.MILITARY, EndUse.WMD, EndUse.TERRORISM})
#: End uses reviewed case by case (No. 61 Art. 4).
CASE_BY_CASE_USES = frozenset(
    {EndUse.ADV_LOGIC_LE14NM, EndUse.MEMORY_GE256L, EndUse.SEMI_EQUIPMENT_FOR_THOSE, EndUse.MILITARY_AI_RD}
)

#: Destination spellings that mean China (mainland customs territory) [I].
CHINA_NAMES = frozenset({"cn", "chn", "china", "prc", "中国", "中华人民共和国"})


def is_china(country: str) -> bool:
    """Whether a country spelling names China."""
    return country.strip().casefold() in CHINA_NAMES


@dataclass(frozen=True)
class Exporter:
    """Who exports: a Chinese person / someone in China, or a foreign organisation or person."""

    name: str = ""
    is_chinese_person_or_in_china: bool | None = None
    country: str | None = None


@dataclass(frozen=True)
class Item:
    """The item exported, with its declared value."""

    description: str = ""
    annex_category: AnnexCategory | None = None
    control_code: str | None = None
    value: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class BomLine:
    """One material in the item; `is_annex_part1` None means 'not stated' (inferred from the code)."""

    material: str
    annex_part1_code: str | None = None
    is_annex_part1: bool | None = None
    china_origin: bool | None = None
    value: Decimal | None = None
    currency: str | None = None

    def part1(self) -> bool | None:
        """Whether the line is an Annex 1 Part 1 material: the flag, else True when a code is given, else None."""
        if self.is_annex_part1 is not None:
            return self.is_annex_part1
        return True if self.annex_part1_code else None


@dataclass(frozen=True)
class TechOrigin:
    """Whether the item was made with China-origin rare-earth technology (No. 61 Art. 1(2))."""

    uses_china_origin_re_tech: bool | None = None
    tech_stage: TechStage | None = None


@dataclass(frozen=True)
class Owner:
    """One link of the ownership chain: `name` holds `ownership_pct` % of the previous link (or the end user)."""

    name: str
    ownership_pct: Decimal | None = None


@dataclass(frozen=True)
class EndUser:
    """The importer / end user and who owns it."""

    name: str = ""
    is_military: bool | None = None
    parent_chain: tuple[Owner, ...] = ()
    ownership_known: bool = True


@dataclass(frozen=True)
class Technology:
    """A technology or service transfer by a Chinese person (No. 62)."""

    control_code: str | None = None
    description: str = ""
    knowingly_supports_foreign_re_activity: bool | None = None


@dataclass(frozen=True)
class Case:
    """Everything known about one shipment; None means unknown (it becomes a data gap, never a default)."""

    export_date: date
    exporter: Exporter = field(default_factory=Exporter)
    destination_country: str | None = None
    item: Item = field(default_factory=Item)
    bom: tuple[BomLine, ...] = ()
    bom_complete: bool | None = None
    production_tech_origin: TechOrigin = field(default_factory=TechOrigin)
    is_china_origin_item: bool | None = None
    end_user: EndUser = field(default_factory=EndUser)
    end_uses: tuple[EndUse, ...] = ()
    technology: Technology | None = None
    reference: str = ""
