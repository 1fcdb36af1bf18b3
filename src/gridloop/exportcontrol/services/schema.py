"""The screening input as JSON (one schema for the CLI, the API and the batch): pydantic models → domain Case.

Unknown facts are written as null or left out; they become data gaps, never defaults. Unknown keys are refused
(a misspelt field would otherwise be silently ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridloop.exportcontrol.domain.model import (
    AnnexCategory,
    BomLine,
    Case,
    EndUse,
    EndUser,
    Exporter,
    Item,
    Owner,
    Technology,
    TechOrigin,
    TechStage,
)
from gridloop.kernel.errors import FieldError, InvalidInput

Money = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]
Text = Annotated[str, Field(max_length=300)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExporterIn(_In):
    """Who exports."""

    name: Text = ""
    is_chinese_person_or_in_china: bool | None = None
    country: Text | None = None


class ItemIn(_In):
    """The item exported."""

    description: Text = ""
    annex_category: AnnexCategory | None = None
    control_code: Annotated[str, Field(max_length=40)] | None = None
    value: Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None


class BomLineIn(_In):
    """One material of the item."""

    material: Annotated[str, Field(min_length=1, max_length=300)]
    annex_part1_code: Annotated[str, Field(max_length=40)] | None = None
    is_annex_part1: bool | None = None
    china_origin: bool | None = None
    value: Money | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None


class TechOriginIn(_In):
    """China-origin rare-earth technology used to make the item."""

    uses_china_origin_re_tech: bool | None = None
    tech_stage: TechStage | None = None


class OwnerIn(_In):
    """One link of the ownership chain (holds ownership_pct % of the previous link or of the end user)."""

    name: Annotated[str, Field(min_length=1, max_length=300)]
    ownership_pct: Annotated[Decimal, Field(ge=0, le=100)] | None = None


class EndUserIn(_In):
    """The importer / end user and its owners."""

    name: Text = ""
    is_military: bool | None = None
    parent_chain: Annotated[list[OwnerIn], Field(max_length=20)] = []
    ownership_known: bool = True


class TechnologyIn(_In):
    """A technology or service transfer (No. 62)."""

    control_code: Annotated[str, Field(max_length=40)] | None = None
    description: Text = ""
    knowingly_supports_foreign_re_activity: bool | None = None


class CaseIn(_In):
    """One shipment to screen (see docs/examples/export-control-case.json)."""

    reference: Annotated[str, Field(max_length=100)] = ""
    export_date: date
    exporter: ExporterIn = ExporterIn()
    destination_country: Text | None = None
    item: ItemIn = ItemIn()
    bom: Annotated[list[BomLineIn], Field(max_length=500)] = []
    bom_complete: bool | None = None
    production_tech_origin: TechOriginIn = TechOriginIn()
    is_china_origin_item: bool | None = None
    end_user: EndUserIn = EndUserIn()
    end_use: list[EndUse] = []
    technology: TechnologyIn | None = None

    @field_validator("end_use", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    def to_case(self) -> Case:
        """The domain case."""
        return Case(
            export_date=self.export_date,
            reference=self.reference,
            exporter=Exporter(**self.exporter.model_dump()),
            destination_country=self.destination_country,
            item=Item(**self.item.model_dump()),
            bom=tuple(BomLine(**line.model_dump()) for line in self.bom),
            bom_complete=self.bom_complete,
            production_tech_origin=TechOrigin(**self.production_tech_origin.model_dump()),
            is_china_origin_item=self.is_china_origin_item,
            end_user=EndUser(
                name=self.end_user.name,
                is_military=self.end_user.is_military,
                parent_chain=tuple(Owner(o.name, o.ownership_pct) for o in self.end_user.parent_chain),
                ownership_known=self.end_user.ownership_known,
            ),
            end_uses=tuple(dict.fromkeys(self.end_use)),
            technology=Technology(**self.technology.model_dump()) if self.technology else None,
        )


def problems(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as field errors (dotted paths)."""
    return [FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()]


def parse_case(payload: Mapping[str, Any]) -> Case:
    """A domain Case from JSON-like data; InvalidInput listing every problem otherwise."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("The case must be a JSON object.")
    try:
        return CaseIn.model_validate(dict(payload)).to_case()
    except ValidationError as exc:
        raise InvalidInput("Invalid case", errors=problems(exc)) from None
