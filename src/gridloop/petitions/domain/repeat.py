"""Repeated petitions: the same person on the same facts is linked to the first petition, not counted as new;
a matter closed at 复核 (three levels end it) is not accepted again on the same facts and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from gridloop.petitions.domain.model import Status

#: Character-bigram Jaccard similarity at or above which two texts are "the same facts" (tunable data).
SAME_FACTS = 0.45


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。、；：！？,.;:!?（）()“”\"'"]
    return {a + b for a, b in pairwise(chars)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character bigrams (0..1)."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


@dataclass(frozen=True)
class Prior:
    """An earlier petition of the same petitioner, as the repeat check needs it."""

    petition_id: int
    root_id: int
    status: Status
    text: str


@dataclass(frozen=True)
class RepeatCheck:
    """Whether the new petition repeats an earlier one, which root it links to, and whether it is barred."""

    repeat_of: int | None
    root_id: int | None
    similarity: float
    barred: bool
    reason: str


def check_repeat(text: str, priors: Sequence[Prior], *, threshold: float = SAME_FACTS) -> RepeatCheck:
    """Compare a new petition with the same petitioner's earlier ones; the most similar one above threshold wins."""
    best: tuple[float, Prior] | None = None
    for prior in priors:
        score = similarity(text, prior.text)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, prior)
    if best is None:
        return RepeatCheck(None, None, 0.0, False, "no earlier petition on the same facts")
    score, prior = best
    closed_final = [p for p in priors if p.root_id == prior.root_id and p.status is Status.CLOSED_FINAL]
    if closed_final:
        return RepeatCheck(
            prior.petition_id, prior.root_id, score, True,
            f"petition {closed_final[0].petition_id} on the same facts was closed at 复核 (re-review); "
            "under the three-level rule it is not accepted again",
        )  # fmt: skip
    return RepeatCheck(
        prior.petition_id, prior.root_id, score, False,
        f"repeats petition {prior.petition_id} (similarity {score:.2f}); linked to matter {prior.root_id}",
    )  # fmt: skip
