"""Scoring a run: each expected action against what participants did, in run minutes, against its target.

An action done within its target scores its full weight; late, half its weight; missed, nothing. The score is
the share of the total weight, 0–100 with one decimal, so runs of the same scenario compare directly. The
conclusion follows GB/T 46792-2025 appendix D.2 in spirit: ≥ 85 达到预期目的, ≥ 60 基本达到, else 需重新演练.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gridloop.drills.domain.scenario import Expected, Scenario

ON_TIME, LATE, MISSED = "on_time", "late", "missed"
OUTCOME_LABELS = {ON_TIME: ("按时", "On time"), LATE: ("超时", "Late"), MISSED: ("未完成", "Missed")}
LATE_SHARE = 0.5
CONCLUSIONS: tuple[tuple[float, str, str], ...] = (
    (85.0, "达到预期目的", "Objectives met"),
    (60.0, "基本达到预期目的，需改进", "Mostly met, improve"),
    (0.0, "未达到预期目的，需重新演练", "Not met, drill again"),
)


@dataclass(frozen=True)
class Observation:
    """Something a participant (or the system) did, in run minutes."""

    action: str  # an ACTIONS code
    minutes: float
    actor: str
    subject: str = ""  # the case or incident number, the inject id of a decision's expected action …
    key: str = ""  # for decisions: the expected action id they answer
    detail: str = ""


@dataclass(frozen=True)
class Scored:
    """One expected action and how it went."""

    expected: Expected
    outcome: str
    reference_minutes: float
    done_minutes: float | None
    elapsed_minutes: float | None
    points: float
    by: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        e = self.expected
        return {
            "id": e.id, "role": e.role, "action": e.action, "title": e.title, "target_minutes": e.target_minutes,
            "source": e.source, "weight": e.weight, "outcome": self.outcome,
            "reference_minutes": self.reference_minutes,
            "done_minutes": self.done_minutes, "elapsed_minutes": self.elapsed_minutes, "points": self.points,
            "by": self.by,
        }  # fmt: skip


@dataclass(frozen=True)
class Score:
    """The scored run."""

    items: tuple[Scored, ...]
    score: float
    conclusion: str
    conclusion_en: str
    counts: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"score": self.score, "conclusion": self.conclusion, "conclusion_en": self.conclusion_en,
                "counts": dict(self.counts), "items": [i.as_dict() for i in self.items]}  # fmt: skip


def conclusion(score: float) -> tuple[str, str]:
    """The D.2-style conclusion of a score."""
    return next((zh, en) for floor, zh, en in CONCLUSIONS if score >= floor)


def _matches(
    item: Expected, obs: Observation, subjects: Mapping[str, set[str]], incident_subjects: Mapping[str, set[str]]
) -> bool:
    if obs.action == "decision":  # the facilitator recorded it against this expected action (tabletop)
        return obs.key == item.id
    if obs.action != item.action:
        return False
    pool = (subjects if item.action.startswith("case.") else incident_subjects).get(item.after or "")
    if pool:  # the case of that inject, or the incident it opened or joined
        return obs.subject in pool
    level = item.params.get("max_level")
    if item.action == "warning.issue" and level is not None:
        return obs.key.isdigit() and int(obs.key) <= int(level)
    return True


def _same_task(item: Expected, obs: Observation, hits: Mapping[str, Observation]) -> bool:
    """An acknowledgement or arrival after a given task must be of that task (its id is the observation key)."""
    task = hits.get(item.after_action or "")
    if obs.action == "decision" or task is None or task.action != "incident.task" or not task.key:
        return True
    return obs.key == task.key


def score_run(
    scenario: Scenario,
    observations: Iterable[Observation],
    *,
    subjects: Mapping[str, set[str]] | None = None,
    incident_subjects: Mapping[str, set[str]] | None = None,
) -> Score:
    """Match each expected action to the first fitting observation at or after its reference time.

    `subjects` maps an inject id to the case/incident numbers it caused (so "dispatch the case of call-1" only
    matches that case); `incident_subjects` the incidents those cases opened or joined. A tabletop decision
    keyed with an expected action's id also satisfies it.
    """
    obs = sorted(observations, key=lambda o: (o.minutes, o.action, o.subject, o.key))
    subjects = subjects or {}
    incident_subjects = incident_subjects or {}
    items: list[Scored] = []
    done: dict[str, float] = {}
    hits: dict[str, Observation] = {}
    used: set[int] = set()
    for item in scenario.expected:
        ref = scenario.reference_minutes(item)
        if item.after_action is not None:  # from when that action was done (or was due, when it was missed)
            ref = done.get(item.after_action, ref)
        fits = [
            n
            for n, o in enumerate(obs)
            if n not in used
            and o.minutes >= ref - 1e-9
            and _matches(item, o, subjects, incident_subjects)
            and _same_task(item, o, hits)
        ]
        unit = str(item.params.get("unit", ""))
        preferred = [n for n in fits if unit and unit in obs[n].detail]  # the task to the unit it names, if any
        chosen = preferred or fits
        pick = chosen[0] if chosen else None
        hit = obs[pick] if pick is not None else None
        if pick is not None and obs[pick].action != "decision":
            used.add(pick)  # one thing done answers one expected action
        if hit is None:
            items.append(Scored(item, MISSED, ref, None, None, 0.0))
            done[item.id] = ref + item.target_minutes
            continue
        done[item.id] = hit.minutes
        hits[item.id] = hit
        elapsed = round(hit.minutes - ref, 2)
        outcome = ON_TIME if elapsed <= item.target_minutes + 1e-9 else LATE
        points = item.weight if outcome == ON_TIME else item.weight * LATE_SHARE
        items.append(Scored(item, outcome, ref, round(hit.minutes, 2), elapsed, round(points, 3), hit.actor))
    total = sum(i.expected.weight for i in items) or 1.0
    score = round(100.0 * sum(i.points for i in items) / total, 1)
    zh, en = conclusion(score)
    counts = {k: sum(1 for i in items if i.outcome == k) for k in (ON_TIME, LATE, MISSED)}
    return Score(tuple(items), score, zh, en, counts)
