"""A stream worker that could not lease a report (its row locked for a moment, or leased by another worker)
naks the message until the report is due again, never a whole lease later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridloop.cases.jobs import redelivery_delay
from gridloop.config import Settings

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
SETTINGS = Settings(triage_lease_seconds=60, triage_poll_seconds=0.5)


def test_a_report_skipped_while_its_row_was_locked_comes_back_after_one_poll():
    assert redelivery_delay(NOW, NOW, SETTINGS) == 0.5
    assert redelivery_delay(NOW - timedelta(seconds=30), NOW, SETTINGS) == 0.5


def test_a_report_leased_elsewhere_comes_back_when_that_lease_ends():
    assert redelivery_delay(NOW + timedelta(seconds=12), NOW, SETTINGS) == 12.0


def test_the_delay_never_exceeds_one_lease():
    assert redelivery_delay(NOW + timedelta(hours=2), NOW, SETTINGS) == 60.0
