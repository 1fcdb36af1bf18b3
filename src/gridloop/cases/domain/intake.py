"""Rules for what a report must look like before it is acknowledged."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from gridloop.kernel.errors import ValidationProblems

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_ADDRESS = 500
MAX_ATTACHMENTS = 20
MAX_TAGS = 20

# Mainland China (with a margin), in degrees; any of the three CRSs fits inside.
CHINA_LNG = (73.0, 135.5)
CHINA_LAT = (3.5, 54.0)

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_PHONE_ONLY = re.compile(r"^[\s+()\-\d]{7,}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{5,20}$")


def control_characters(text: str) -> list[int]:
    """Positions of control characters other than newline, carriage return and tab."""
    return [
        i
        for i, ch in enumerate(text)
        if unicodedata.category(ch) in ("Cc", "Cf")
        and ch not in _ALLOWED_CONTROLS
        and ch not in ("\u200d", "\ufe0f")  # zero-width joiner and emoji variation selector belong to emoji
    ]


def has_words(text: str) -> bool:
    """Whether the text holds at least one letter or CJK character (not only emoji, digits or symbols)."""
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def check_text(problems: ValidationProblems, *, field: str, value: str, max_len: int, required: bool) -> None:
    """Add the problems of one free-text field: empty, too long, control characters, no words."""
    stripped = value.strip()
    if not stripped:
        if required:
            problems.add(field, "must not be empty or only whitespace; describe the problem in words")
        return
    if len(value) > max_len:
        problems.add(field, f"is {len(value)} characters long; the limit is {max_len}. Shorten it or attach a file")
        return
    bad = control_characters(value)
    if bad:
        problems.add(
            field,
            f"contains {len(bad)} control character(s) (first at position {bad[0]}); remove them and send again",
        )
        return
    if required and _PHONE_ONLY.match(stripped):
        problems.add(field, "contains only a phone number; describe the problem and put the number in reporter.phone")
        return
    if required and not has_words(stripped):
        problems.add(field, "has no words (only emoji, digits or symbols); describe the problem in words")


def check_phone(problems: ValidationProblems, *, field: str, value: str | None) -> None:
    """A phone number: digits with optional +, spaces, dashes or parentheses, 5–20 characters."""
    if value is None or value == "":
        return
    if not _PHONE_LIKE.match(value) or sum(ch.isdigit() for ch in value) < 5:
        problems.add(field, "is not a phone number; use digits, e.g. 13812345678 or 021-12345678")


def in_china(lng: float, lat: float) -> bool:
    """Whether a point lies inside the mainland bounding box."""
    return CHINA_LNG[0] <= lng <= CHINA_LNG[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def check_point(problems: ValidationProblems, *, lng: float | None, lat: float | None) -> None:
    """Both or neither coordinate; finite; inside China; a swapped pair is named as such."""
    if lng is None and lat is None:
        return
    if lng is None or lat is None:
        problems.add("lng" if lng is None else "lat", "give both lng and lat, or neither")
        return
    if not (math.isfinite(lng) and math.isfinite(lat)):
        problems.add("lng", "coordinates must be finite numbers (not NaN or infinity)")
        return
    if in_china(lng, lat):
        return
    if in_china(lat, lng):
        problems.add(
            "lng",
            f"lng={lng}, lat={lat} looks swapped: longitude comes first (e.g. lng=121.47, lat=31.23)",
        )
        return
    problems.add("lng", f"point ({lng}, {lat}) is outside China; check the coordinates and their CRS")


@dataclass(frozen=True)
class ReportText:
    """The free-text parts of a report."""

    title: str
    text: str
    address: str | None = None


def validate_report(
    report: ReportText, *, lng: float | None, lat: float | None, phone: str | None
) -> ValidationProblems:
    """Every problem of a report, collected (not raised)."""
    problems = ValidationProblems()
    check_text(problems, field="title", value=report.title, max_len=MAX_TITLE, required=False)
    check_text(problems, field="text", value=report.text, max_len=MAX_TEXT, required=True)
    if report.address is not None:
        check_text(problems, field="address", value=report.address, max_len=MAX_ADDRESS, required=False)
    check_phone(problems, field="reporter.phone", value=phone)
    check_point(problems, lng=lng, lat=lat)
    return problems


def default_title(text: str, *, limit: int = 30) -> str:
    """A title from the first words of the text, when the caller gave none."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:limit] + ("…" if len(first) > limit else "")
