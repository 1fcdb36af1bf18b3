"""R0: each regime's status on the day before, of and after every effective date and suspension edge."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from gridloop.exportcontrol.domain.regimes import (
    NO70,
    REGIMES,
    AfterSuspension,
    AfterSuspensionSetting,
    Status,
    regime,
    temporal_status,
)

A, S, N, U = Status.ACTIVE, Status.SUSPENDED, Status.NOT_YET_EFFECTIVE, Status.UNCONFIRMED
REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "domain.md"

# (regime, day, status with the after-window setting left unconfirmed)
EDGES = [
    # No. 18: effective 2025-04-04, never suspended
    ("no18", date(2025, 4, 3), N),
    ("no18", date(2025, 4, 4), A),
    ("no18", date(2025, 4, 5), A),
    ("no18", date(2025, 11, 7), A),
    ("no18", date(2026, 11, 11), A),
    # No. 61 Art. 1(3): effective 2025-10-09, suspended 2025-11-07 .. 2026-11-10
    ("no61-1-3", date(2025, 10, 8), N),
    ("no61-1-3", date(2025, 10, 9), A),
    ("no61-1-3", date(2025, 10, 10), A),
    ("no61-1-3", date(2025, 11, 6), A),
    ("no61-1-3", date(2025, 11, 7), S),
    ("no61-1-3", date(2025, 11, 8), S),
    ("no61-1-3", date(2026, 11, 9), S),
    ("no61-1-3", date(2026, 11, 10), S),
    ("no61-1-3", date(2026, 11, 11), U),
    # No. 61 Art. 1(1) and 1(2): effective 2025-12-01, but suspended from 2025-11-07 (never took effect)
    ("no61-1-1", date(2025, 10, 9), N),
    ("no61-1-1", date(2025, 11, 6), N),
    ("no61-1-1", date(2025, 11, 7), S),
    ("no61-1-1", date(2025, 11, 30), S),
    ("no61-1-1", date(2025, 12, 1), S),
    ("no61-1-1", date(2025, 12, 2), S),
    ("no61-1-1", date(2026, 11, 10), S),
    ("no61-1-1", date(2026, 11, 11), U),
    ("no61-1-2", date(2025, 11, 6), N),
    ("no61-1-2", date(2025, 11, 7), S),
    ("no61-1-2", date(2025, 12, 1), S),
    ("no61-1-2", date(2026, 11, 10), S),
    ("no61-1-2", date(2026, 11, 11), U),
    # No. 61 Art. 7 and No. 62: effective 2025-10-09, same window
    ("no61-7", date(2025, 10, 8), N),
    ("no61-7", date(2025, 10, 9), A),
    ("no61-7", date(2025, 10, 10), A),
    ("no61-7", date(2025, 11, 7), S),
    ("no62", date(2025, 10, 8), N),
    ("no62", date(2025, 10, 9), A),
    ("no62", date(2025, 10, 10), A),
    ("no62", date(2025, 11, 6), A),
    ("no62", date(2025, 11, 7), S),
    ("no62", date(2026, 11, 10), S),
    ("no62", date(2026, 11, 11), U),
    # No. 57: would take effect 2025-11-08, suspended from 2025-11-07 (never took effect)
    ("no57", date(2025, 11, 6), N),
    ("no57", date(2025, 11, 7), S),
    ("no57", date(2025, 11, 8), S),
    ("no57", date(2025, 11, 9), S),
    ("no57", date(2026, 11, 10), S),
    ("no57", date(2026, 11, 11), U),
]


@pytest.mark.parametrize(("regime_id", "day", "expected"), EDGES, ids=[f"{r}-{d}" for r, d, _ in EDGES])
def test_status_on_each_edge_matches_the_regime_table(regime_id: str, day: date, expected: Status) -> None:
    got = temporal_status(regime(regime_id), on=day).status
    assert got is expected, f"{regime_id} on {day}: {got} (expected {expected})"


def _setting(value: AfterSuspension) -> dict[str, AfterSuspensionSetting]:
    return {NO70.id: AfterSuspensionSetting(NO70.id, value, confirmed_by="admin", confirmed_at="2026-11-11")}


@pytest.mark.parametrize("regime_id", ["no61-1-1", "no61-1-2", "no61-1-3", "no61-7", "no62", "no57"])
def test_after_the_window_a_resumed_setting_makes_each_suspended_regime_active(regime_id: str) -> None:
    status = temporal_status(regime(regime_id), on=date(2026, 11, 11), settings=_setting(AfterSuspension.RESUMED))
    assert status.status is Status.ACTIVE, status.basis_en
    assert status.setting is not None and status.setting.value is AfterSuspension.RESUMED
    assert "admin" in status.basis_en


def test_after_the_window_still_suspended_setting_keeps_the_regime_suspended() -> None:
    status = temporal_status(
        regime("no61-1-1"), on=date(2026, 11, 11), settings=_setting(AfterSuspension.STILL_SUSPENDED)
    )
    assert status.status is Status.SUSPENDED
    assert status.in_force is False


def test_unconfirmed_after_window_status_says_what_would_apply_if_resumed() -> None:
    status = temporal_status(regime("no61-1-1"), on=date(2026, 11, 11))
    assert (status.status, status.if_resumed, status.in_force) == (Status.UNCONFIRMED, Status.ACTIVE, None)
    assert status.setting is not None and status.setting.value is AfterSuspension.UNCONFIRMED


def test_the_setting_is_not_relied_on_inside_the_window() -> None:
    status = temporal_status(regime("no62"), on=date(2026, 11, 10), settings=_setting(AfterSuspension.RESUMED))
    assert status.status is Status.SUSPENDED and status.setting is None


def test_no18_needs_no_after_suspension_setting() -> None:
    status = temporal_status(regime("no18"), on=date(2027, 1, 1))
    assert status.status is Status.ACTIVE and status.setting is None


def test_every_regime_id_is_unique() -> None:
    ids = [r.id for r in REGIMES]
    assert len(ids) == len(set(ids))


# ---- the table against the reference text (domain.md §5) -------------------------------------------------------


def _reference_section() -> str:
    if not REFERENCE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference text missing in CI: {REFERENCE}")
        pytest.skip(f"reference text not found: {REFERENCE}")
    text = REFERENCE.read_text(encoding="utf-8")
    start = text.index("## 5. MOFCOM Announcement 2025 No. 61")
    return text[start : text.index("\n## 6.", start)]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _one(pattern: str, text: str) -> str:
    found = re.search(pattern, text, flags=re.DOTALL)
    assert found, f"reference text no longer says {pattern!r}"
    return found.group(1)


def test_no61_dates_match_the_reference_text() -> None:
    section = _reference_section()
    issued = _d(_one(r"### 5\.1 No\. 61 \(issued (\d{4}-\d\d-\d\d)", section))
    cases = re.findall(r"^\s+(\d)\. .*?Effective \*\*(\d{4}-\d\d-\d\d)\*\*", section, flags=re.MULTILINE)
    effective = {n: _d(day) for n, day in cases}
    assert effective.keys() == {"1", "2", "3"}, cases
    for n in ("1", "2", "3"):
        row = regime(f"no61-1-{n}")
        assert (row.issued, row.effective) == (issued, effective[n]), f"No. 61 Art. 1({n})"
    assert regime("no61-7").issued == issued


def test_no62_no18_no57_dates_match_the_reference_text() -> None:
    section = _reference_section()
    no62 = _d(_one(r"\*\*No\. 62 \((\d{4}-\d\d-\d\d), effective at once\)", section))
    assert (regime("no62").issued, regime("no62").effective) == (no62, no62)
    no18 = _d(_one(r"\*\*No\. 18 \(商务部 海关总署, (\d{4}-\d\d-\d\d), effective at once\)", section))
    assert (regime("no18").issued, regime("no18").effective) == (no18, no18)
    no57 = _d(_one(r"\*\*No\. 57 \((\d{4}-\d\d-\d\d)\)", section))
    no57_effective = _d(_one(r"suspended before taking effect on (\d{4}-\d\d-\d\d)", section))
    assert (regime("no57").issued, regime("no57").effective) == (no57, no57_effective)


def test_no70_window_and_the_suspended_announcements_match_the_reference_text() -> None:
    section = _reference_section()
    issued = _d(_one(r"公告2025年第70号 \((\d{4}-\d\d-\d\d)\)", section))
    until = _d(_one(r"from that day \*\*until (\d{4}-\d\d-\d\d)\*\*", section))
    assert (NO70.issued, NO70.start, NO70.until) == (issued, issued, until)
    suspended = _one(r"Suspends \*\*(Nos\.[^*]+)\*\*", section)
    numbers = set(re.findall(r"\d+", suspended))
    for row in REGIMES:
        number = re.search(r"No\. (\d+)", row.announcement)
        assert number
        expected = NO70 if number.group(1) in numbers else None
        assert row.suspension == expected, f"{row.id}: suspension {row.suspension} vs reference {suspended}"
    assert "No. 18 was NOT among the measures suspended by No. 70" in section
