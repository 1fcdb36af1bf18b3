"""Loading alarm rules from a path: a TOML rule file, or a signal table CSV for the rainstorm rule."""

from __future__ import annotations

import csv
from pathlib import Path

from gridloop.emergency.domain.cap import Area
from gridloop.emergency.domain.rule_table import (
    areas_from_toml,
    default_rules,
    rainstorm_rule_from_signal_table,
    rules_from_toml,
)
from gridloop.emergency.domain.rules import Rule
from gridloop.kernel.errors import InvalidInput


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    """The rules of a file; None gives the shipped defaults; a .csv replaces the default rainstorm steps."""
    if path is None:
        return default_rules()
    if path.suffix == ".toml":
        return rules_from_toml(path.read_text(encoding="utf-8"))
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rainstorm = rainstorm_rule_from_signal_table(csv.DictReader(handle))
        return tuple(rainstorm if r.id == rainstorm.id else r for r in default_rules())
    raise InvalidInput(f"{path}: a rule file is .toml, or a signal table .csv")


def load_areas(path: Path | None) -> dict[str, Area]:
    """The `[[area]]` tables of a TOML rule file (none for the defaults or a signal table)."""
    if path is None or path.suffix != ".toml":
        return {}
    return areas_from_toml(path.read_text(encoding="utf-8"))
