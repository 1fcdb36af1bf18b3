"""CLI commands of dispatch: `sla due|tick`, `catalogue import|export|demo|history`, `kpi`."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.domain.errors import InvalidInput
from gridloop.entrypoints.cli.common import DbOption, container_for

sla_app = typer.Typer(help="Time limits in working time and supervision ticks.", no_args_is_help=True)
catalogue_app = typer.Typer(
    help="The dispatch catalogue (派单目录): import, export, demo, history.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Attach the dispatch commands to the main CLI."""
    app.add_typer(sla_app, name="sla")
    app.add_typer(catalogue_app, name="catalogue")
    app.command("kpi")(kpi)


def _parse_when(text: str, tz: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO time: {text!r} (e.g. 2026-09-30T10:00+08:00)") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name}: not a date {text!r} (YYYY-MM-DD)") from None


@sla_app.command("due")
def sla_due(
    start: Annotated[str, typer.Option("--from", help="When the clock starts (ISO; local zone if naive).")],
    limit: Annotated[str, typer.Option("--limit", help="5wd, 4wh, 3d or 2h.")],
    working_hours: Annotated[
        str | None, typer.Option("--hours", help="Working periods, e.g. 09:00-12:00,13:00-17:30.")
    ] = None,
    no_db: Annotated[bool, typer.Option("--no-db", help="Ignore the database's calendar overrides.")] = False,
    db: DbOption = None,
) -> None:
    """Print the due time of a limit counted from a start time (official calendar + overrides)."""
    from zoneinfo import ZoneInfo

    from sqlalchemy.exc import SQLAlchemyError

    from gridloop.adapters.calendar import ChineseWorkCalendar, calendar_from_db
    from gridloop.domain.sla import TimeLimit, WorkingHours, due_at
    from gridloop.entrypoints.cli.common import settings_for

    settings = settings_for(db)
    tz = settings.timezone
    try:
        parsed = TimeLimit.parse(limit)
        hours = WorkingHours.parse(working_hours or settings.working_hours)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.detail) from None
    calendar = ChineseWorkCalendar()
    if not no_db:
        try:
            with container_for(db).uow() as uow:
                calendar = calendar_from_db(uow.session)
        except SQLAlchemyError:
            print("note: no calendar overrides (database not initialised)", file=sys.stderr)
    due = due_at(_parse_when(start, tz), parsed, calendar=calendar, working=hours, tz=tz)
    typer.echo(due.astimezone(ZoneInfo(tz)).isoformat())


@sla_app.command("tick")
def sla_tick(
    at: Annotated[str | None, typer.Option("--at", help="Pretend it is this time (ISO); default now.")] = None,
    every: Annotated[
        int | None, typer.Option("--every", min=1, help="Keep ticking every N seconds (Ctrl-C stops).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Flag due-soon and overdue cases, open and escalate 督办 records, send notices; prints JSON."""
    import time

    from gridloop.services.supervision import scheduled_tick

    container = container_for(db)
    while True:
        now = _parse_when(at, container.settings.timezone) if at else container.deps.clock.now()
        result = scheduled_tick(container.uow, settings=container.settings, notifier=container.deps.notifier, now=now)
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        if every is None:
            return
        time.sleep(every)


@sla_app.command("override")
def sla_override(
    day: Annotated[str, typer.Argument(help="The day (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. 台风停工 or 区级调休.")],
    workday: Annotated[
        bool, typer.Option("--workday/--holiday", help="Make the day a working day, or a day off.")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who decides (recorded).")] = "cli",
    db: DbOption = None,
) -> None:
    """Override the official calendar for one day (a typhoon day, a local holiday, an extra working day)."""
    from gridloop.adapters.calendar import set_override

    if not reason.strip():
        raise typer.BadParameter("--reason must not be empty")
    container = container_for(db)
    with container.uow() as uow:
        set_override(
            uow.session,
            day=_parse_day(day, "DAY"),
            is_workday=workday,
            reason=reason,
            by=by,
            now=container.deps.clock.now(),
        )
        uow.commit()
    typer.echo(f"{day}: {'working day' if workday else 'day off'} ({reason})")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8), see docs/catalogue.md.")],
    by: Annotated[str, typer.Option("--by", help="Who makes the change (recorded in the version).")] = "cli",
    note: Annotated[str, typer.Option("--note", help="Why (recorded in the version).")] = "",
    db: DbOption = None,
) -> None:
    """Replace the active catalogue with a CSV, all or nothing (every problem listed by line)."""
    from gridloop.services.catalogue import import_catalogue

    container = container_for(db)
    data = file.read_bytes()
    with container.uow() as uow:
        try:
            version = import_catalogue(uow, data, by=by, now=container.deps.clock.now(), note=note)
        except InvalidInput as exc:
            for err in exc.errors:
                print(f"{file}: {err.field}: {err.message}", file=sys.stderr)
            raise
        typer.echo(f"catalogue version {version.id}: {version.rule_count} rules ({_summary(version.changes)})")


def _summary(changes: dict[str, Any]) -> str:
    return ", ".join(f"{len(changes.get(k, []))} {k}" for k in ("added", "changed", "removed"))


@catalogue_app.command("export")
def catalogue_export(
    file: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output).")],
    db: DbOption = None,
) -> None:
    """Write the active catalogue as CSV."""
    from gridloop.services.catalogue import export_catalogue

    with container_for(db).uow() as uow:
        text = export_catalogue(uow.session)
    if str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {file}")


@catalogue_app.command("demo")
def catalogue_demo(db: DbOption = None) -> None:
    """Make the demo catalogue (one rule per district × category, from the units that exist) active."""
    from gridloop.services.catalogue_demo import load_demo_catalogue

    container = container_for(db)
    with container.uow() as uow:
        version = load_demo_catalogue(uow, now=container.deps.clock.now())
        typer.echo(f"catalogue version {version.id}: {version.rule_count} demo rules")


@catalogue_app.command("history")
def catalogue_history(db: DbOption = None) -> None:
    """List the latest catalogue versions: who changed what, when."""
    from gridloop.services.catalogue import history

    with container_for(db).uow() as uow:
        for v in history(uow.session):
            typer.echo(
                f"v{v.id}\t{v.created_at.isoformat()}\t{v.created_by}\t{v.source}\t{v.rule_count} rules\t"
                f"{_summary(v.changes)}\t{v.note}"
            )


def kpi(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD, local).")],
    end: Annotated[str, typer.Option("--to", help="Last day, included.")],
    unit: Annotated[str | None, typer.Option("--unit", help="One lead unit's code (implies --by unit).")] = None,
    by: Annotated[str, typer.Option("--by", help="unit | street | district")] = "unit",
    key: Annotated[str | None, typer.Option("--key", help="Only this street/district code.")] = None,
    rank_by: Annotated[str | None, typer.Option("--rank", help="Rank the scopes by this KPI.")] = None,
    yoy: Annotated[bool, typer.Option("--yoy", help="Year-on-year change per category instead.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    db: DbOption = None,
) -> None:
    """KPIs per unit, street or district for a period (formulas in docs/kpis.md)."""
    from gridloop.domain.metrics import Kpi
    from gridloop.services.kpis import GroupBy, Period, kpi_report, ranking, year_on_year

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("--format must be table, csv or json")
    period = Period(_parse_day(start, "--from"), _parse_day(end, "--to"))
    try:
        group = GroupBy.UNIT if unit else GroupBy.parse(by)
        metric = Kpi.parse(rank_by) if rank_by else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    container = container_for(db)
    tz = container.settings.timezone
    with container.uow() as uow:
        if yoy:
            rows = year_on_year(uow.session, period=period, district=key, tz=tz)
        elif metric is not None:
            rows = ranking(uow.session, by=group, kpi=metric, period=period, tz=tz)
        else:
            rows = kpi_report(uow.session, by=group, period=period, key=unit or key, tz=tz)
    typer.echo(render(rows, fmt))


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows as an aligned table, CSV or JSON."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return "(no data)" if fmt == "table" else ""
    columns = [c for c in rows[0] if not c.startswith("n_")] if fmt == "table" else list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    if fmt == "table" and len(rows) == 1:
        width = max(len(c) for c in rows[0])
        return "\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in rows[0].items())
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)
