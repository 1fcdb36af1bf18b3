"""Scenario files: YAML (or JSON) read safely, checked against the shipped JSON Schema, then the domain rules.

Every problem is reported once, with its path in the document (`injects[2].report.text`), so an author fixes a
file in one go.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from gridloop.drills.domain.scenario import Scenario, problems, scenario_from
from gridloop.kernel.errors import FieldError, InvalidInput, NotFound

SHIPPED = "scenarios"


@cache
def schema() -> dict[str, Any]:
    """The scenario JSON Schema shipped in the package (`domain/scenario.schema.json`)."""
    text = resources.files("gridloop.drills.domain").joinpath("scenario.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(document)"


def check(data: Any) -> list[tuple[str, str]]:
    """Every problem of a parsed document: (path, message), schema problems first, sorted by path."""
    if not isinstance(data, dict):
        return [("(document)", "a scenario is a mapping (YAML object) with id, title, roles, injects, expected")]
    validator = Draft202012Validator(schema())
    found = sorted(
        ((_path(e.absolute_path), e.message) for e in validator.iter_errors(data)), key=lambda p: (p[0], p[1])
    )
    if found:
        return found
    return problems(data)


def parse_text(text: str, *, name: str = "scenario") -> Scenario:
    """A Scenario from YAML/JSON text, or InvalidInput listing every problem with its path."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(document)"
        raise InvalidInput(f"{name}: not valid YAML", errors=[FieldError(where, str(exc).splitlines()[0])]) from None
    found = check(data)
    if found:
        raise InvalidInput(
            f"{name}: {len(found)} problem(s) in the scenario", errors=[FieldError(p, m) for p, m in found]
        )
    return scenario_from(data)


def shipped_ids() -> list[str]:
    """Ids of the scenarios shipped with gridloop."""
    folder = resources.files("gridloop.drills").joinpath(SHIPPED)
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def shipped_text(scenario_id: str) -> str:
    """The text of a shipped scenario."""
    if scenario_id not in shipped_ids():
        raise NotFound(f"No shipped scenario '{scenario_id}'; shipped: {', '.join(shipped_ids())}.")
    return resources.files("gridloop.drills").joinpath(SHIPPED, f"{scenario_id}.yaml").read_text("utf-8")


def load(ref: str) -> tuple[Scenario, str]:
    """A scenario by shipped id or file path; returns (scenario, its text)."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        if not path.is_file():
            raise NotFound(f"No scenario file '{ref}'.")
        text = path.read_text("utf-8")
    else:
        text = shipped_text(ref)
    return parse_text(text, name=path.name if path.suffix else ref), text
