"""Working-time arithmetic: limits, conventions, the National Day 2026 month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridloop.dispatch.adapters.calendar import ChineseWorkCalendar
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.sla import (
    LimitUnit,
    StepLimits,
    TimeLimit,
    WeekdayCalendar,
    WorkdayDeadlinePolicy,
    WorkingHours,
    add_workdays,
    due_at,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SH)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("5wd", 5, LimitUnit.WORK_DAY),
        ("4wh", 4, LimitUnit.WORK_HOUR),
        ("3d", 3, LimitUnit.NATURAL_DAY),
        ("2h", 2, LimitUnit.NATURAL_HOUR),
        (" 15WD ", 15, LimitUnit.WORK_DAY),
    ],
)
def test_time_limit_parses_every_unit(text: str, amount: int, unit: LimitUnit) -> None:
    assert TimeLimit.parse(text) == TimeLimit(amount, unit)


@pytest.mark.parametrize("text", ["", "5", "wd", "5 days", "-1wd", "1.5wd"])
def test_time_limit_rejects_garbage(text: str) -> None:
    with pytest.raises(InvalidInput):
        TimeLimit.parse(text)


def test_time_limit_round_trips_as_text() -> None:
    assert str(TimeLimit.parse("15wd")) == "15wd"


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        due_at(datetime(2026, 10, 9, 10), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())


def test_result_is_aware_utc() -> None:
    due = due_at(sh(2026, 9, 14, 10), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)


def test_one_working_day_is_end_of_next_working_day() -> None:
    due = due_at(sh(2026, 9, 14, 10), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 15, 23, 59, 59)


def test_late_night_receipt_still_does_not_count_the_day_of_receipt() -> None:
    due = due_at(sh(2026, 9, 14, 23, 50), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 15, 23, 59, 59)


def test_early_morning_utc_counts_in_shanghai_day() -> None:
    # 2026-09-13 20:00 UTC is Monday 14 Sep 04:00 in Shanghai
    due = due_at(datetime(2026, 9, 13, 20, tzinfo=UTC), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 15, 23, 59, 59)


def test_friday_receipt_skips_weekend() -> None:
    due = due_at(sh(2026, 9, 18, 16), TimeLimit.parse("1wd"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 21, 23, 59, 59)


def test_zero_working_days_is_end_of_day_of_receipt() -> None:
    due = due_at(sh(2026, 9, 14, 10), TimeLimit.parse("0wd"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 14, 23, 59, 59)


def test_natural_days_and_hours() -> None:
    cal = WeekdayCalendar()
    assert local(due_at(sh(2026, 9, 18, 16), TimeLimit.parse("3d"), calendar=cal)) == sh(2026, 9, 21, 23, 59, 59)
    assert local(due_at(sh(2026, 9, 18, 16), TimeLimit.parse("2h"), calendar=cal)) == sh(2026, 9, 18, 18)


def test_working_hours_skip_lunch_and_night() -> None:
    cal = WeekdayCalendar()
    # 10:00 + 4wh: 10-12 (2h), 13:00-15:00 (2h)
    assert local(due_at(sh(2026, 9, 14, 10), TimeLimit.parse("4wh"), calendar=cal)) == sh(2026, 9, 14, 15)
    # 16:30 + 4wh: 16:30-17:30 (1h), next day 9-12 (3h)
    assert local(due_at(sh(2026, 9, 14, 16, 30), TimeLimit.parse("4wh"), calendar=cal)) == sh(2026, 9, 15, 12)
    # received at lunch: counting starts at 13:00
    assert local(due_at(sh(2026, 9, 14, 12, 20), TimeLimit.parse("1wh"), calendar=cal)) == sh(2026, 9, 14, 14)
    # received Saturday: counting starts Monday 09:00
    assert local(due_at(sh(2026, 9, 19, 11), TimeLimit.parse("2wh"), calendar=cal)) == sh(2026, 9, 21, 11)


def test_limit_used_up_at_period_end_is_due_at_that_end() -> None:
    due = due_at(sh(2026, 9, 14, 9), TimeLimit.parse("3wh"), calendar=WeekdayCalendar())
    assert local(due) == sh(2026, 9, 14, 12)


def test_working_hours_are_configurable() -> None:
    hours = WorkingHours.parse("08:30-11:30,13:30-17:00")
    assert hours.seconds_per_day() == 6.5 * 3600
    due = due_at(sh(2026, 9, 14, 11), TimeLimit.parse("1wh"), calendar=WeekdayCalendar(), working=hours)
    assert local(due) == sh(2026, 9, 14, 14)


def test_bad_working_hours_are_refused() -> None:
    with pytest.raises(InvalidInput):
        WorkingHours.parse("13:00-12:00")
    with pytest.raises(InvalidInput):
        WorkingHours.parse("nine to five")


# --- the official calendar -------------------------------------------------------------------


def test_chinese_calendar_knows_national_day_2026() -> None:
    cal = ChineseWorkCalendar()
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8)), "1–7 Oct 2026 are holidays"
    assert cal.is_workday(date(2026, 10, 10)), "Saturday 10 Oct 2026 is an adjusted working day"
    assert not cal.is_workday(date(2026, 10, 11))


def test_overrides_win_over_the_official_calendar() -> None:
    typhoon = date(2026, 9, 15)
    cal = ChineseWorkCalendar({typhoon: False, date(2026, 9, 19): True})
    assert not cal.is_workday(typhoon)
    assert cal.is_workday(date(2026, 9, 19))
    due = due_at(sh(2026, 9, 14, 10), TimeLimit.parse("1wd"), calendar=cal)
    assert local(due) == sh(2026, 9, 16, 23, 59, 59), "the typhoon day does not count"


def test_years_beyond_the_package_fall_back_to_weekdays() -> None:
    cal = ChineseWorkCalendar()
    far = date(2099, 3, 2)  # a Monday
    assert cal.is_workday(far) and not cal.is_workday(far + timedelta(days=5))


def test_policy_defaults_follow_shanghai_rules() -> None:
    policy = WorkdayDeadlinePolicy(WeekdayCalendar())
    start = sh(2026, 9, 14, 10)
    assert local(policy.sign_due(start, request_type="complaint", urgency="normal")) == sh(2026, 9, 15, 23, 59, 59)
    assert local(policy.contact_due(start, request_type="complaint", urgency="normal")) == sh(2026, 9, 15, 23, 59, 59)
    assert local(policy.reply_due(start, request_type="inquiry", urgency="normal")) == sh(2026, 9, 15, 23, 59, 59)
    assert local(policy.reply_due(start, request_type="complaint", urgency="normal")) == sh(2026, 9, 21, 23, 59, 59)
    assert StepLimits().complex_reply == TimeLimit.parse("15wd")


def test_emergency_is_signed_within_an_hour() -> None:
    policy = WorkdayDeadlinePolicy(WeekdayCalendar())
    start = sh(2026, 10, 3, 2)  # a holiday, at night
    assert local(policy.sign_due(start, request_type="help", urgency="emergency")) == sh(2026, 10, 3, 3)


def test_unknown_request_type_has_no_reply_limit() -> None:
    with pytest.raises(InvalidInput):
        WorkdayDeadlinePolicy(WeekdayCalendar()).reply_due(sh(2026, 9, 14), request_type="x", urgency="normal")


def test_extension_moves_deadline_by_working_days() -> None:
    policy = WorkdayDeadlinePolicy(ChineseWorkCalendar())
    due = sh(2026, 9, 30, 23, 59, 59)
    assert local(policy.extend(due, work_days=2)) == sh(2026, 10, 9, 23, 59, 59)


def test_add_workdays_over_national_day() -> None:
    cal = ChineseWorkCalendar()
    assert add_workdays(date(2026, 9, 30), 1, calendar=cal) == date(2026, 10, 8)
    assert add_workdays(date(2026, 9, 30), 3, calendar=cal) == date(2026, 10, 10)
    assert add_workdays(date(2026, 9, 30), 4, calendar=cal) == date(2026, 10, 12)


def test_simulated_month_across_national_day_gives_right_deadlines() -> None:
    """Each day 20 Sep–20 Oct 2026 at 10:00: 1wd and 5wd deadlines equal a hand count."""
    holidays = {date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)} | {date(2026, 10, d) for d in range(1, 8)}
    adjusted = {date(2026, 9, 20), date(2026, 10, 10)}  # Sundays/Saturdays worked (official 2026 plan)
    cal = ChineseWorkCalendar()
    policy = WorkdayDeadlinePolicy(cal)

    def hand_is_workday(day: date) -> bool:
        if day in adjusted:
            return True
        if day in holidays:
            return False
        return day.weekday() < 5

    # hand-checked anchors
    expected = {
        date(2026, 9, 29): (date(2026, 9, 30), date(2026, 10, 12)),
        date(2026, 9, 30): (date(2026, 10, 8), date(2026, 10, 13)),
        date(2026, 10, 1): (date(2026, 10, 8), date(2026, 10, 13)),
        date(2026, 10, 9): (date(2026, 10, 10), date(2026, 10, 15)),
        date(2026, 10, 10): (date(2026, 10, 12), date(2026, 10, 16)),
    }
    day = date(2026, 9, 20)
    while day <= date(2026, 10, 20):
        assert cal.is_workday(day) == hand_is_workday(day), f"calendar disagrees on {day}"
        start = datetime(day.year, day.month, day.day, 10, tzinfo=SH)
        one = local(policy.reply_due(start, request_type="inquiry", urgency="normal")).date()
        five = local(policy.reply_due(start, request_type="complaint", urgency="normal")).date()
        nxt, count = day, 0
        hand = []
        while count < 5:
            nxt += timedelta(days=1)
            if hand_is_workday(nxt):
                count += 1
                hand.append(nxt)
        assert (one, five) == (hand[0], hand[4]), f"deadlines for {day}"
        if day in expected:
            assert (one, five) == expected[day], f"anchor {day}"
        day += timedelta(days=1)
