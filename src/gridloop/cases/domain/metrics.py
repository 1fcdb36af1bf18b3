"""KPI formulas (绩效指标) as pure functions over counts; docs/kpis.md states each one.

Counts are gathered by services/kpis.py with SQL aggregates; nothing here touches a database.
A rate whose denominator is zero is None ("no data"), never 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from gridloop.kernel.labels import LabeledEnum


class Kpi(LabeledEnum):
    """The indicators, in report order."""

    ON_TIME_SIGNING_RATE = ("on_time_signing_rate", "按时签收率", "On-time signing rate")
    FIRST_CONTACT_RATE = ("first_contact_rate", "先行联系率", "First-contact rate")
    ON_TIME_COMPLETION_RATE = ("on_time_completion_rate", "按时办结率", "On-time completion rate")
    RETURN_RATE = ("return_rate", "退单率", "Return rate")
    RESOLUTION_RATE = ("resolution_rate", "实际解决率", "Resolution rate")
    SATISFACTION_RATE = ("satisfaction_rate", "满意率", "Satisfaction rate")
    REPEAT_REPORT_RATE = ("repeat_report_rate", "重复来电率", "Repeat-report rate")
    SUPERVISION_COUNT = ("supervision_count", "督办件数", "Supervisions")
    EXTENSION_RATE = ("extension_rate", "延期率", "Extension rate")
    MEAN_HANDLING_HOURS = ("mean_handling_hours", "平均办理时长(小时)", "Mean handling time (hours)")


#: Whether a higher value is better (for rankings).
HIGHER_IS_BETTER: dict[Kpi, bool] = {
    Kpi.ON_TIME_SIGNING_RATE: True,
    Kpi.FIRST_CONTACT_RATE: True,
    Kpi.ON_TIME_COMPLETION_RATE: True,
    Kpi.RETURN_RATE: False,
    Kpi.RESOLUTION_RATE: True,
    Kpi.SATISFACTION_RATE: True,
    Kpi.REPEAT_REPORT_RATE: False,
    Kpi.SUPERVISION_COUNT: False,
    Kpi.EXTENSION_RATE: False,
    Kpi.MEAN_HANDLING_HOURS: False,
}


@dataclass(frozen=True)
class KpiCounts:
    """The raw counts of one scope (unit, street or district) and period."""

    received: int = 0  # cases received in the period
    dispatched: int = 0  # cases dispatched in the period (派单)
    signed_on_time: int = 0  # of those, signed by the sign deadline
    contacted_on_time: int = 0  # of those, first contact by its deadline
    due_for_completion: int = 0  # of those, reply deadline inside the period or replied (应办结)
    completed_on_time: int = 0  # of those, replied by the reply deadline (按时办结)
    returned: int = 0  # of the dispatched, returned (退单) at least once
    callbacks: int = 0  # valid callbacks (满意度 recorded)
    satisfied: int = 0  # 满意
    basically_satisfied: int = 0  # 基本满意
    solved: int = 0  # callback said "solved"
    repeats: int = 0  # received in the period and merged into a parent case (并单)
    supervisions: int = 0  # 督办 records opened in the period
    extended: int = 0  # of the dispatched, with an approved extension
    handled: int = 0  # of the dispatched, replied
    handling_hours_total: float = 0.0  # sum over `handled` of (replied − dispatched), hours
    resolved_on_spot: int = (
        0  # received in the period and closed on the spot by a grid worker (就地解决), never dispatched
    )

    def __add__(self, other: KpiCounts) -> KpiCounts:
        a, b = asdict(self), asdict(other)
        return KpiCounts(**{k: a[k] + b[k] for k in a})


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    return numerator / denominator


def compute(counts: KpiCounts) -> dict[Kpi, float | None]:
    """Every KPI from the counts of one scope and period."""
    c = counts
    return {
        Kpi.ON_TIME_SIGNING_RATE: rate(c.signed_on_time, c.dispatched),
        Kpi.FIRST_CONTACT_RATE: rate(c.contacted_on_time, c.dispatched),
        Kpi.ON_TIME_COMPLETION_RATE: rate(c.completed_on_time, c.due_for_completion),
        Kpi.RETURN_RATE: rate(c.returned, c.dispatched),
        Kpi.RESOLUTION_RATE: rate(c.solved, c.callbacks),
        Kpi.SATISFACTION_RATE: rate(c.satisfied + c.basically_satisfied, c.callbacks),
        Kpi.REPEAT_REPORT_RATE: rate(c.repeats, c.received),
        Kpi.SUPERVISION_COUNT: float(c.supervisions),
        Kpi.EXTENSION_RATE: rate(c.extended, c.dispatched),
        Kpi.MEAN_HANDLING_HOURS: (c.handling_hours_total / c.handled) if c.handled else None,
    }


def change(current: float, previous: float) -> float | None:
    """Relative change (current − previous) / previous, e.g. −0.248 for "−24.8 %"; None without a base."""
    if previous == 0:
        return None
    return (current - previous) / previous


T = TypeVar("T")


def rank(
    items: Iterable[T], *, value: Callable[[T], float | None], higher_is_better: bool = True
) -> list[tuple[int, T]]:
    """Competition ranking (1, 2, 2, 4 …) by a value; items without a value come last, unranked (0)."""
    with_value = [(value(i), i) for i in items]
    scored = [(v, i) for v, i in with_value if v is not None]
    scored.sort(key=lambda p: p[0], reverse=higher_is_better)
    ranked: list[tuple[int, T]] = []
    previous: float | None = None
    position = 0
    for index, (v, item) in enumerate(scored, start=1):
        if v != previous:
            position = index
            previous = v
        ranked.append((position, item))
    ranked += [(0, i) for v, i in with_value if v is None]
    return ranked


def as_row(scope: str, counts: KpiCounts, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One flat report row: scope, the KPIs (rounded to 4 places) and the counts."""
    values = compute(counts)
    row: dict[str, Any] = {"scope": scope, **(extra or {})}
    row.update({k.value: (round(v, 4) if v is not None else None) for k, v in values.items()})
    row.update({f"n_{k}": v for k, v in asdict(counts).items()})
    return row


def kpi_columns() -> Sequence[str]:
    """KPI keys in report order."""
    return [k.value for k in Kpi]
