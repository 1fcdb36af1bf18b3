"""Exports for other systems and the "report once" (只报一次) schedules, as pure rules: what can be exported, in
which formats, how often, and which period a scheduled run covers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from gridloop.kernel.labels import LabeledEnum


class ExportKind(LabeledEnum):
    """What an export holds."""

    CASES = ("cases", "工单清单", "Case list")
    KPIS = ("kpis", "绩效指标", "KPIs")
    HOT_ISSUES = ("hot_issues", "热点问题", "Hot issues")


class ExportFormat(LabeledEnum):
    """The file an export is written as."""

    XLSX = ("xlsx", "Excel 表格 (.xlsx)", "Excel (.xlsx)")
    CSV = ("csv", "CSV 文本", "CSV")


class Schedule(LabeledEnum):
    """How often a definition runs; each run covers the whole period before it."""

    DAILY = ("daily", "每日（前一日）", "Daily (the day before)")
    WEEKLY = ("weekly", "每周一（上一周）", "Mondays (the week before)")
    MONTHLY = ("monthly", "每月1日（上一月）", "The 1st (the month before)")


MEDIA_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


def period_before(schedule: Schedule, run_day: date) -> tuple[date, date]:
    """The local days [first, last] a run on `run_day` reports: the day, week (Mon–Sun) or month before it."""
    if schedule is Schedule.DAILY:
        day = run_day - timedelta(days=1)
        return day, day
    if schedule is Schedule.WEEKLY:
        monday = run_day - timedelta(days=run_day.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    first_this = run_day.replace(day=1)
    last_before = first_this - timedelta(days=1)
    return last_before.replace(day=1), last_before


def next_run(schedule: Schedule, *, hour: int, after: datetime, tz: tzinfo) -> datetime:
    """The first run time strictly after `after`: at `hour` local time on the next day / Monday / 1st."""
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(40):
        candidate = datetime.combine(day, time(hour), tzinfo=tz)
        due_day = (
            schedule is Schedule.DAILY
            or (schedule is Schedule.WEEKLY and day.weekday() == 0)
            or (schedule is Schedule.MONTHLY and day.day == 1)
        )
        if due_day and candidate > local:
            return candidate
        day += timedelta(days=1)
    raise AssertionError("a schedule runs at least once in 40 days")


def file_name(kind: ExportKind, fmt: ExportFormat, first: date, last: date, *, name: str | None = None) -> str:
    """A file name people can sort: 工单清单_2026-11-01_2026-11-30.xlsx (or the definition's name)."""
    stem = (name or kind.zh).replace("/", "-").replace("\\", "-").strip() or kind.value
    span = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    return f"{stem}_{span}.{fmt.value}"
