"""Monitoring partitioned by station: which partition a station belongs to, and the rules each partition runs.

With P partitions, every station belongs to exactly one (a stable hash of its id, the same in every process),
and each partition is a monitor of its own: its readings, its rules' state and its warnings never involve a
station of another partition, so partitions are evaluated in parallel without sharing state. A rule that
watches every station of a metric runs in every partition on that partition's stations; a rule that names its
stations runs where they are; a rule that combines stations (max, mean, count …) needs them all in one
partition, and is refused otherwise (with one partition everything is allowed, as before).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace

from gridloop.emergency.domain.rules import Combine, Rule
from gridloop.kernel.errors import InvalidInput

MAX_PARTITIONS = 64


def partition_of(station_id: str, partitions: int) -> int:
    """The partition (0 … partitions-1) of a station: CRC-32 of its id, so every process agrees."""
    if partitions == 1:
        return 0
    return zlib.crc32(station_id.encode("utf-8")) % partitions


def check_partitions(partitions: int) -> None:
    """Refuse a partition count outside 1 … MAX_PARTITIONS."""
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise InvalidInput(f"readings partitions: 1 to {MAX_PARTITIONS}, got {partitions}")


def rules_for_partition(rules: Sequence[Rule], partition: int, partitions: int) -> tuple[Rule, ...]:
    """The rules partition `partition` evaluates: each restricted to its stations (InvalidInput if impossible)."""
    check_partitions(partitions)
    if not 0 <= partition < partitions:
        raise InvalidInput(f"partition {partition} of {partitions}: give 0 to {partitions - 1}")
    if partitions == 1:
        return tuple(rules)
    out = []
    for rule in rules:
        if rule.combine is not Combine.EACH:
            homes = {partition_of(s, partitions) for s in rule.stations}
            if not rule.stations or len(homes) > 1:
                raise InvalidInput(
                    f"rule {rule.id!r} combines stations across partitions; with {partitions} partitions a "
                    "combining rule must name stations of one partition (or run with one partition)"
                )
            if homes == {partition}:
                out.append(rule)
        elif not rule.stations:
            out.append(rule)  # every station of the metric: here, those of this partition
        else:
            mine = tuple(s for s in rule.stations if partition_of(s, partitions) == partition)
            if mine:
                out.append(replace(rule, stations=mine))
    return tuple(out)
