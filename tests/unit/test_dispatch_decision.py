"""The auto-dispatch decision: rule × confidence × urgency."""

from __future__ import annotations

from gridloop.cases.services.dispatching import decide
from gridloop.dispatch.domain.routing import RouteResult, Rule
from gridloop.kernel.sla import TimeLimit

RESULT = RouteResult(
    Rule(category="城乡建设", area_code="310107", lead_unit="310107-FG", limits={"complaint": TimeLimit.parse("5wd")}),
    "310107",
    "catalogue rule 城乡建设 × 310107 → 310107-FG",
)


def test_confident_match_is_dispatched() -> None:
    assert decide(RESULT, confidence=0.8, threshold=0.6, urgency="normal").auto


def test_threshold_itself_is_enough() -> None:
    assert decide(RESULT, confidence=0.6, threshold=0.6, urgency="normal").auto


def test_unsure_match_waits_with_the_reason() -> None:
    d = decide(RESULT, confidence=0.3, threshold=0.6, urgency="normal")
    assert not d.auto and "0.30 < 0.60" in d.reason and d.route is RESULT


def test_emergency_goes_at_once() -> None:
    assert decide(RESULT, confidence=None, threshold=0.6, urgency="emergency").auto


def test_no_rule_never_dispatches() -> None:
    assert not decide(None, confidence=1.0, threshold=0.6, urgency="emergency").auto
