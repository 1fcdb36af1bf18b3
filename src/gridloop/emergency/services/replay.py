"""Replaying a series of readings through the alarm rules into CAP warnings, on the readings' own clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from gridloop.emergency.domain.cap import CapComposer, CapMessage
from gridloop.emergency.domain.levels import level_info
from gridloop.emergency.domain.rules import Reading, Rule, evaluate
from gridloop.kernel.errors import InvalidInput

Check = Callable[[bytes], list[str]]


class MessageSink(Protocol):
    """Receives each message as it is made."""

    def write(self, message: CapMessage) -> None:
        """Keep one message."""


@dataclass
class ReplaySummary:
    """What a replay read and wrote."""

    readings: int = 0
    messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    by_transition: Counter[str] = field(default_factory=Counter)
    by_colour: Counter[str] = field(default_factory=Counter)


def warnings_from(readings: Iterable[Reading], *, rules: Sequence[Rule], composer: CapComposer) -> Iterator[CapMessage]:
    """The CAP message of every warning transition the readings (in time order) cause."""
    by_id = {r.id: r for r in rules}
    for transition in evaluate(readings, rules=rules):
        yield composer.compose(transition, rule=by_id[transition.rule_id])


def replay(
    readings: Iterable[Reading],
    *,
    rules: Sequence[Rule],
    composer: CapComposer,
    sink: MessageSink,
    checks: Sequence[Check] = (),
) -> ReplaySummary:
    """Sort the readings by time, run them through the rules, check and hand every message to the sink."""
    ordered = sorted(readings, key=lambda r: r.ts)
    summary = ReplaySummary(readings=len(ordered))
    if ordered:
        summary.first, summary.last = ordered[0].ts, ordered[-1].ts
    for message in warnings_from(ordered, rules=rules, composer=composer):
        problems = [p for check in checks for p in check(message.xml)]
        if problems:
            raise InvalidInput(f"CAP message {message.identifier} is not conformant: {'; '.join(problems)}")
        sink.write(message)
        summary.messages += 1
        summary.by_transition[message.transition.kind.value] += 1
        summary.by_colour[level_info(message.transition.level).colour_en] += 1
    return summary
