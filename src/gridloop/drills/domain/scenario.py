"""The scenario model: roles, a timeline of injects and the actions expected of each role, with their targets.

A scenario file is checked in two passes: its shape against the JSON Schema shipped beside this module
(`adapters/scenario_file.py`), then the rules a schema cannot say (`problems()`): unique ids, references to
known roles and injects, readings not after their inject. Each problem is one `(path, message)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gridloop.drills.domain.actions import ACTIONS


@dataclass(frozen=True)
class Role:
    """A part played in the drill, and the console role of the person who plays it."""

    id: str
    name: str
    console_role: str


@dataclass(frozen=True)
class Inject:
    """Something that happens at an offset: readings, a call, a grid report or a message to roles."""

    id: str
    at_minutes: float
    kind: str
    title: str
    text: str = ""
    to: tuple[str, ...] = ()
    report: Mapping[str, Any] = field(default_factory=dict)
    readings: tuple[Mapping[str, Any], ...] = ()
    area: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """An action expected of a role after an inject (or the start), within a target time."""

    id: str
    role: str
    action: str
    title: str
    target_minutes: float
    after: str | None = None  # an inject id; None: from the start of the run
    after_action: str | None = None  # an earlier expected action: its target counts from when that was done
    weight: float = 1.0
    source: str = "scenario"  # "scenario" or "response_time_targets.csv:<target_id>"
    params: Mapping[str, Any] = field(default_factory=dict)
    auto_after_minutes: float | None = None  # when the scripted responder does it (None: half the target)


@dataclass(frozen=True)
class Scenario:
    """A drill scenario (validated)."""

    id: str
    version: int
    title: str
    title_en: str
    summary: str
    incident_type: str
    duration_minutes: float
    roles: tuple[Role, ...]
    injects: tuple[Inject, ...]
    expected: tuple[Expected, ...]
    findings: Mapping[str, str] = field(default_factory=dict)

    def role(self, role_id: str) -> Role:
        """The role with an id."""
        return next(r for r in self.roles if r.id == role_id)

    def inject(self, inject_id: str) -> Inject:
        """The inject with an id."""
        return next(i for i in self.injects if i.id == inject_id)

    def reference_minutes(self, item: Expected) -> float:
        """The offset an expected action's target time counts from."""
        return self.inject(item.after).at_minutes if item.after else 0.0

    def timeline(self) -> list[Inject]:
        """The injects in time order."""
        return sorted(self.injects, key=lambda i: (i.at_minutes, i.id))


def problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rules beyond the schema, for a document whose shape is already valid."""
    out: list[tuple[str, str]] = []
    role_ids: set[str] = set()
    for i, role in enumerate(data.get("roles", [])):
        if role["id"] in role_ids:
            out.append((f"roles[{i}].id", f"duplicate role id '{role['id']}'"))
        role_ids.add(role["id"])
    injects: dict[str, Mapping[str, Any]] = {}
    for i, inj in enumerate(data.get("injects", [])):
        where = f"injects[{i}]"
        if inj["id"] in injects:
            out.append((f"{where}.id", f"duplicate inject id '{inj['id']}'"))
        injects[inj["id"]] = inj
        for j, to in enumerate(inj.get("to", [])):
            if to not in role_ids:
                out.append((f"{where}.to[{j}]", f"unknown role '{to}'"))
        for j, reading in enumerate(inj.get("readings", [])):
            if reading["at_minutes"] > inj["at_minutes"]:
                out.append((f"{where}.readings[{j}].at_minutes", "a reading cannot come after its inject"))
        if inj["at_minutes"] > data["duration_minutes"]:
            out.append((f"{where}.at_minutes", "after the end of the scenario (duration_minutes)"))
    seen: set[str] = set()
    for i, item in enumerate(data.get("expected", [])):
        where = f"expected[{i}]"
        if item["id"] in seen:
            out.append((f"{where}.id", f"duplicate expected action id '{item['id']}'"))
        if item.get("after_action") is not None and item["after_action"] not in seen:
            out.append((f"{where}.after_action", f"'{item['after_action']}' is not an earlier expected action"))
        seen.add(item["id"])
        if item["role"] not in role_ids:
            out.append((f"{where}.role", f"unknown role '{item['role']}'"))
        after = item.get("after")
        if after is not None and after not in injects:
            out.append((f"{where}.after", f"unknown inject '{after}'"))
        kind = ACTIONS.get(item["action"])
        wrong = after is None or (after in injects and injects[after].get("kind") not in ("call", "grid_report"))
        if kind is not None and kind.needs_case and wrong:
            out.append((f"{where}.after", f"'{item['action']}' needs `after:` a call or grid_report inject"))
    return out


def scenario_from(data: Mapping[str, Any]) -> Scenario:
    """The Scenario of a valid document."""
    return Scenario(
        id=data["id"],
        version=int(data.get("version", 1)),
        title=data["title"],
        title_en=data.get("title_en", ""),
        summary=data.get("summary", ""),
        incident_type=data.get("incident_type", "accident"),
        duration_minutes=float(data["duration_minutes"]),
        roles=tuple(Role(r["id"], r["name"], r["console_role"]) for r in data["roles"]),
        injects=tuple(
            Inject(
                id=i["id"],
                at_minutes=float(i["at_minutes"]),
                kind=i["kind"],
                title=i["title"],
                text=i.get("text", ""),
                to=tuple(i.get("to", ())),
                report=dict(i.get("report", {})),
                readings=tuple(dict(r) for r in i.get("readings", ())),
                area=dict(i.get("area", {})),
            )
            for i in data["injects"]
        ),
        expected=tuple(
            Expected(
                id=e["id"],
                role=e["role"],
                action=e["action"],
                title=e["title"],
                target_minutes=float(e["target_minutes"]),
                after=e.get("after"),
                after_action=e.get("after_action"),
                weight=float(e.get("weight", 1)),
                source=e.get("source", "scenario"),
                params=dict(e.get("params", {})),
                auto_after_minutes=float(e["auto_after_minutes"]) if "auto_after_minutes" in e else None,
            )
            for e in data["expected"]
        ),
        findings=dict(data.get("findings", {})),
    )
