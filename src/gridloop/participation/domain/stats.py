"""Adoption statistics and text keys for exact duplicates, pure."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from gridloop.participation.domain.model import ADOPTED_OUTCOMES, Outcome

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def text_key(text: str) -> str:
    """A key equal for texts that differ only in width, case, spaces and punctuation (exact duplicates)."""
    norm = unicodedata.normalize("NFKC", text).lower()
    return hashlib.sha1(_NOISE.sub("", norm).encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Tally:
    """Counts of one group: received (not duplicates), answered, each outcome, adoption rate."""

    received: int
    answered: int
    by_outcome: dict[str, int]

    @property
    def adopted(self) -> int:
        """Adopted or partly adopted."""
        return sum(self.by_outcome.get(o.value, 0) for o in ADOPTED_OUTCOMES)

    @property
    def adoption_rate(self) -> float:
        """Adopted share of answered suggestions (0 when none answered)."""
        return round(self.adopted / self.answered, 4) if self.answered else 0.0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"received": self.received, "answered": self.answered, "adopted": self.adopted,
                "adoption_rate": self.adoption_rate, "by_outcome": self.by_outcome}  # fmt: skip


def tally(outcomes: Iterable[str | None]) -> Tally:
    """Tally a group's outcomes (None = not yet answered)."""
    received = answered = 0
    by: dict[str, int] = {o.value: 0 for o in Outcome}
    for outcome in outcomes:
        received += 1
        if outcome:
            answered += 1
            by[Outcome(outcome).value] += 1
    return Tally(received, answered, by)


def tally_by(rows: Iterable[tuple[str, str | None]]) -> dict[str, Tally]:
    """Tally per group key from (key, outcome) pairs."""
    groups: dict[str, list[str | None]] = {}
    for key, outcome in rows:
        groups.setdefault(key, []).append(outcome)
    return {k: tally(v) for k, v in sorted(groups.items())}
