"""Rules from text: the TOML rule file format, the national signal table, and the rules gridloop ships."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from importlib import resources
from typing import Any

from gridloop.emergency.domain.cap import Area
from gridloop.emergency.domain.rules import Combine, Kind, Op, Rule, Step
from gridloop.kernel.errors import InvalidInput

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_RULE_KEYS = {
    "id",
    "event",
    "metric",
    "unit",
    "kind",
    "op",
    "steps",
    "stations",
    "combine",
    "min_stations",
    "area",
    "hold",
    "clear_hold",
    "clear_margin",
    "renotify",
    "category",
    "event_code",
}
_STEP_KEYS = {"level", "threshold", "window", "renotify"}


def parse_duration(text: str) -> timedelta:
    """A duration written as a number and a unit: "90s", "30m", "3h", "1.5d"."""
    match = _DURATION.match(str(text))
    if not match:
        raise InvalidInput(f"duration {text!r}: write a number and s, m, h or d, e.g. '3h'")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _enum(kind: type[Kind] | type[Op] | type[Combine], value: Any, where: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{where}: {value!r} is not one of {allowed}") from None


def rule_from_mapping(data: Mapping[str, Any]) -> Rule:
    """One rule from a mapping with the keys of the rule file; unknown keys fail loudly."""
    where = f"rule {data.get('id', '?')!r}"
    unknown = set(data) - _RULE_KEYS
    missing = {"id", "event", "metric", "unit", "kind", "steps"} - set(data)
    if unknown or missing:
        raise InvalidInput(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    steps = []
    for raw in data["steps"]:
        if set(raw) - _STEP_KEYS or not {"level", "threshold"} <= set(raw):
            raise InvalidInput(
                f"{where}: a step has level, threshold and optionally window, renotify; got {sorted(raw)}"
            )
        window = parse_duration(raw["window"]) if "window" in raw else timedelta(0)
        renotify = parse_duration(raw["renotify"]) if "renotify" in raw else None
        steps.append(Step(level=int(raw["level"]), threshold=float(raw["threshold"]), window=window, renotify=renotify))
    optional: dict[str, Any] = {}
    for key in ("hold", "clear_hold", "renotify"):
        if key in data:
            optional[key] = parse_duration(data[key])
    for key in ("area", "category", "event_code"):
        if key in data:
            optional[key] = str(data[key])
    if "stations" in data:
        optional["stations"] = tuple(str(s) for s in data["stations"])
    if "combine" in data:
        optional["combine"] = _enum(Combine, data["combine"], where)
    if "op" in data:
        optional["op"] = _enum(Op, data["op"], where)
    if "min_stations" in data:
        optional["min_stations"] = int(data["min_stations"])
    if "clear_margin" in data:
        optional["clear_margin"] = float(data["clear_margin"])
    return Rule(
        id=str(data["id"]),
        event=str(data["event"]),
        metric=str(data["metric"]),
        unit=str(data["unit"]),
        kind=_enum(Kind, data["kind"], where),
        steps=tuple(steps),
        **optional,
    )


def _load(text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"rule file is not valid TOML: {exc}") from None
    if set(data) - {"rule", "area"}:
        raise InvalidInput(
            f"a rule file holds [[rule]] and [[area]] tables, got {sorted(set(data) - {'rule', 'area'})}"
        )
    return data


def rules_from_toml(text: str) -> tuple[Rule, ...]:
    """Every `[[rule]]` of a rule file."""
    rules = tuple(rule_from_mapping(r) for r in _load(text).get("rule", []))
    if not rules:
        raise InvalidInput("the rule file has no [[rule]]")
    return rules


def areas_from_toml(text: str) -> dict[str, Area]:
    """Every `[[area]]` of a rule file: what a station or combined area is called, and where it is, in CAP."""
    areas: dict[str, Area] = {}
    for raw in _load(text).get("area", []):
        unknown = set(raw) - {"subject", "description", "geocode", "polygon", "circle"}
        if unknown or not {"subject", "description"} <= set(raw):
            raise InvalidInput(
                f"area {raw.get('subject', '?')!r}: keys are subject, description, geocode, polygon, circle"
            )
        try:
            polygon = tuple((float(lat), float(lon)) for lat, lon in raw.get("polygon", []))
            circle = raw.get("circle")
            areas[str(raw["subject"])] = Area(
                description=str(raw["description"]),
                polygon=polygon,
                circle=(float(circle[0]), float(circle[1]), float(circle[2])) if circle else None,
                geocode=str(raw.get("geocode", "")),
            )
        except (TypeError, ValueError, IndexError):
            raise InvalidInput(
                f"area {raw['subject']!r}: polygon is [[lat, lon], …], circle is [lat, lon, km]"
            ) from None
        if polygon and len(polygon) < 3:
            raise InvalidInput(f"area {raw['subject']!r}: a polygon needs at least 3 distinct points")
    return areas


def default_rules() -> tuple[Rule, ...]:
    """The rules gridloop ships: the national rainstorm signals and a silent-gauge rule."""
    text = resources.files("gridloop.emergency.domain").joinpath("default_rules.toml").read_text(encoding="utf-8")
    return rules_from_toml(text)


def rainstorm_rule_from_signal_table(rows: Iterable[Mapping[str, str]], *, base: Rule | None = None) -> Rule:
    """The rainstorm rule with its steps taken from a signal table (columns level, window_hours, threshold_mm)."""
    steps = []
    for row in rows:
        try:
            steps.append(
                Step(
                    level=int(row["level"]),
                    threshold=float(row["threshold_mm"]),
                    window=timedelta(hours=float(row["window_hours"])),
                )
            )
        except (KeyError, ValueError) as exc:
            raise InvalidInput(
                f"signal table row {dict(row)}: needs level, window_hours, threshold_mm ({exc})"
            ) from None
    template = base or next(r for r in default_rules() if r.id == "rainstorm")
    return replace(template, steps=tuple(steps))
