"""Geography rules: GB/T 30428 area codes, levels, parent codes, and sanity checks on input points.

Codes follow GB/T 30428.1 / CJ/T 213 (national 14-digit profile): 6-digit district (GB/T 2260) + 3-digit
street (GB/T 10114) + 3-digit community + 2-digit unit-grid sequence. Each level's code is a prefix of its
children's codes, so parents are derived by cutting the code. The city is the 6-digit code ending in "00".
"""

from __future__ import annotations

import math
import re

from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.org import Level

# digits per level in the national 14-digit profile
CODE_LENGTHS: dict[Level, int] = {
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 14,
}
_LEVEL_BY_LENGTH = {n: level for level, n in CODE_LENGTHS.items()}
_DIGITS = re.compile(r"^\d+$")

# Rough WGS-84/GCJ-02 box of mainland China and its islands; points outside are refused as "not in China".
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)  # min lng, min lat, max lng, max lat
# Shanghai with a margin (city limits: lng 120.85–122.25, lat 30.67–31.88).
SHANGHAI_BOX = (120.5, 30.4, 122.5, 32.1)


def is_city_code(code: str) -> bool:
    """Whether `code` is a 6-digit city/province-level code (ends in '00', e.g. 310000)."""
    return len(code) == 6 and code.isdigit() and code.endswith("00")


def level_of_code(code: str) -> Level:
    """The level an area code denotes, from its length; InvalidInput when malformed."""
    if not _DIGITS.match(code or ""):
        raise InvalidInput(f"Area code '{code}' must contain digits only.", errors=[FieldError("code", "digits only")])
    if is_city_code(code):
        return Level.CITY
    level = _LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        raise InvalidInput(
            f"Area code '{code}' has {len(code)} digits; expected 6 (district), 9 (street), "
            "12 (community) or 14 (unit grid).",
            errors=[FieldError("code", "expected 6, 9, 12 or 14 digits")],
        )
    return level


def code_problems(code: str, *, level: Level | None = None) -> list[str]:
    """Every problem with an area code (empty when well-formed), optionally for an expected level."""
    if not code:
        return ["missing code"]
    if not _DIGITS.match(code):
        return [f"'{code}' must contain digits only"]
    if level is not None:
        want = CODE_LENGTHS.get(level)
        if want is None:
            return [f"level '{level.value}' has no area code of its own"]
        if len(code) != want:
            return [f"'{code}' has {len(code)} digits; a {level.value} code has {want}"]
    elif len(code) not in _LEVEL_BY_LENGTH:
        return [f"'{code}' has {len(code)} digits; expected 6, 9, 12 or 14"]
    problems: list[str] = []
    if len(code) >= 6 and (code[2:4] == "00" or code[4:6] == "00"):
        problems.append(f"'{code}' has no district part (digits 3–6 must not end in 00)")
    if len(code) >= 9 and code[6:9] == "000":
        problems.append(f"'{code}' has street part 000")
    if len(code) >= 12 and code[9:12] == "000":
        problems.append(f"'{code}' has community part 000")
    if len(code) == 14 and code[12:14] == "00":
        problems.append(f"'{code}' has grid sequence 00 (00 denotes the community itself)")
    return problems


def validate_code(code: str, *, level: Level | None = None, field: str = "code") -> str:
    """The code if well-formed (for `level` when given), else InvalidInput listing the problems."""
    problems = code_problems(code, level=level)
    if problems:
        raise InvalidInput(
            f"Invalid area code: {'; '.join(problems)}.", errors=[FieldError(field, p) for p in problems]
        )
    return code


def parent_code(code: str) -> str | None:
    """The code of the parent area ('310101' → '310000' city; '310101002' → '310101'); None for the city."""
    level = level_of_code(code)
    if level is Level.CITY:
        return None
    if level is Level.DISTRICT:
        return code[:2] + "0000"
    previous = {Level.STREET: 6, Level.COMMUNITY: 9, Level.GRID: 12}[level]
    return code[:previous]


def ancestor_codes(code: str) -> dict[Level, str]:
    """The codes of an area and its ancestors, keyed by level (city included)."""
    out: dict[Level, str] = {}
    current: str | None = code
    while current is not None:
        out[level_of_code(current)] = current
        current = parent_code(current)
    return out


def is_child_code(child: str, parent: str) -> bool:
    """Whether `child` is a direct child code of `parent`."""
    return parent_code(child) == parent


def check_point(
    lng: float, lat: float, *, box: tuple[float, float, float, float] = SHANGHAI_BOX, field: str = "point"
) -> tuple[float, float]:
    """The point if plausible; InvalidInput for NaN, outside China, swapped lng/lat, or outside `box`."""
    for name, value in (("lng", lng), ("lat", lat)):
        if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidInput(
                f"Coordinate {name} is not a finite number ({value!r}).",
                errors=[FieldError(f"{field}.{name}", "must be a finite number")],
            )
    min_lng, min_lat, max_lng, max_lat = box
    if min_lng <= lng <= max_lng and min_lat <= lat <= max_lat:
        return lng, lat
    if min_lng <= lat <= max_lng and min_lat <= lng <= max_lat:
        raise InvalidInput(
            f"Longitude and latitude look swapped: ({lng}, {lat}) is outside the city but ({lat}, {lng}) is "
            "inside it. Send longitude first, then latitude.",
            errors=[FieldError(field, "longitude and latitude are swapped (send lng first, then lat)")],
        )
    if not (-180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(
            f"({lng}, {lat}) is not a longitude/latitude pair (lng must be in −180…180, lat in −90…90).",
            errors=[FieldError(field, "not a longitude/latitude pair")],
        )
    c_min_lng, c_min_lat, c_max_lng, c_max_lat = CHINA_BOX
    if not (c_min_lng <= lng <= c_max_lng and c_min_lat <= lat <= c_max_lat):
        raise InvalidInput(f"({lng}, {lat}) is outside China.", errors=[FieldError(field, "outside China")])
    raise InvalidInput(
        f"({lng}, {lat}) is outside the city (lng {min_lng}–{max_lng}, lat {min_lat}–{max_lat}).",
        errors=[FieldError(field, "outside the city")],
    )


STRIP_SUFFIXES: tuple[str, ...] = (
    "新区",
    "街道",
    "镇",
    "乡",
    "区",
    "居委会",
    "村委会",
    "居民区",
    "社区",
    "村",
)


def name_aliases(name: str) -> list[str]:
    """Short forms of an area name for text matching ('长寿路街道' → ['长寿路']), 2+ characters each."""
    core = re.sub(r"[（(].*?[)）]", "", name).strip()
    out: list[str] = []
    if core != name and len(core) >= 2:
        out.append(core)
    for suffix in STRIP_SUFFIXES:
        if core.endswith(suffix) and len(core) - len(suffix) >= 2:
            out.append(core[: -len(suffix)])
            break
    return [alias for alias in dict.fromkeys(out) if alias != name]
