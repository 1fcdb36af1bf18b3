"""Ports: the typed interfaces services depend on. Adapters implement them; tests use fakes.

Plugin points exist only where a second implementation is real: clock, notifier, classifier/triage,
locator (geography), deadline policy (working-day calendar).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class Clock(Protocol):
    """Tells the time (aware, UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...


@dataclass(frozen=True)
class Notice:
    """Something people must hear about: an emergency, a supervision, an escalation."""

    kind: str
    title: str
    body: str
    case_number: str | None = None
    unit_code: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Delivers notices (log, webhook, SMS gateway…)."""

    def notify(self, notice: Notice) -> None:
        """Deliver one notice; must not raise for delivery failures (log them instead)."""
        ...


@dataclass(frozen=True)
class AreaMatch:
    """Where something is: codes from district down to grid cell, and how it was found."""

    district_code: str | None
    street_code: str | None = None
    community_code: str | None = None
    cell_code: str | None = None
    duty_grid_code: str | None = None
    method: str = "point"  # point | text | none
    confidence: float = 1.0
    name: str = ""

    @property
    def finest_code(self) -> str | None:
        """The finest area code known (duty grid, community, street, district)."""
        return self.duty_grid_code or self.community_code or self.street_code or self.district_code


class Locator(Protocol):
    """Puts a point or an address into the area hierarchy."""

    def locate_point(self, lng: float, lat: float, crs: str) -> AreaMatch | None:
        """Area of a point given in `crs` (wgs84 | gcj02 | bd09); None when outside every area."""
        ...

    def locate_text(self, text: str) -> list[AreaMatch]:
        """Areas named in Chinese text, best first; several when ambiguous, empty when none."""
        ...


@dataclass(frozen=True)
class TriageResult:
    """What triage says about a report."""

    category: str | None
    confidence: float
    urgency: str = "normal"
    urgency_reason: str = ""
    incident_type: str | None = None
    masked_text: str | None = None
    meaningless: bool = False
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Classifier(Protocol):
    """Scores texts against categories (a trained model, a seed model, a remote service…)."""

    @property
    def labels(self) -> list[str]:
        """The categories it knows."""
        ...

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Probability per category for each text (each dict sums to 1)."""
        ...


class Triage(Protocol):
    """Classifies, flags urgency and masks personal data in report text."""

    def analyse(self, *, title: str, text: str) -> TriageResult:
        """Triage one report."""
        ...

    def analyse_many(self, items: Sequence[tuple[str, str]]) -> list[TriageResult]:
        """Triage many (title, text) pairs at once."""
        ...


class DeadlinePolicy(Protocol):
    """Computes step deadlines from time limits (working-day calendar lives behind this)."""

    def sign_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When signing is due for a case dispatched at `start`."""
        ...

    def contact_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When first contact is due for a case signed/dispatched at `start`."""
        ...

    def reply_due(self, start: datetime, *, request_type: str, urgency: str) -> datetime:
        """When the reply is due for a case dispatched at `start`."""
        ...

    def extend(self, due: datetime, *, work_days: int) -> datetime:
        """A deadline moved by `work_days` working days."""
        ...
