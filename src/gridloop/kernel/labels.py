"""Enumerations carry value, Chinese label, English label and colour together, declared once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gridloop.kernel.errors import UnknownValue


class LabeledEnum(StrEnum):
    """A string enum whose members are declared as (value, zh, en[, colour]); the database stores value."""

    zh: str
    en: str
    colour: str

    def __new__(cls, value: str, zh: str = "", en: str = "", colour: str = "#64748b") -> LabeledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh or value
        obj.en = en or value
        obj.colour = colour
        return obj

    def label(self, lang: str = "zh") -> str:
        """Label in the given language ("zh…" → Chinese, anything else → English)."""
        return self.zh if lang.startswith("zh") else self.en

    @classmethod
    def parse(cls, raw: str) -> Any:
        """Member for a value, or UnknownValue (a ValueError and an InvalidInput) naming the allowed values."""
        try:
            return cls(raw)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise UnknownValue(f"unknown value {raw!r}; allowed: {allowed}") from None

    @classmethod
    def describe(cls) -> list[dict[str, str]]:
        """All members as dicts (value, zh, en, colour), for APIs, templates and docs."""
        return [{"value": m.value, "zh": m.zh, "en": m.en, "colour": m.colour} for m in cls]
