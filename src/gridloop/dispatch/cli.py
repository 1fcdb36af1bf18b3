"""CLI commands of dispatch: `sla due|override`, `catalogue import|export|demo|history`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption, container_for, group, parse_day, parse_when

catalogue_app = typer.Typer(
    help="The dispatch catalogue (派单目录): import, export, demo, history.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Attach the dispatch commands to the main CLI."""
    app.add_typer(catalogue_app, name="catalogue")
    sla = group(app, "sla", help="Time limits in working time and supervision ticks.")
    sla.command("due")(sla_due)
    sla.command("override")(sla_override)


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

    from gridloop.dispatch.adapters.calendar import ChineseWorkCalendar, calendar_from_db
    from gridloop.kernel.sla import TimeLimit, WorkingHours, due_at
    from gridloop.platform.cli.common import settings_for

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
    due = due_at(parse_when(start, tz), parsed, calendar=calendar, working=hours, tz=tz)
    typer.echo(due.astimezone(ZoneInfo(tz)).isoformat())


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
    from gridloop.dispatch.services.calendar import declare_day

    if not reason.strip():
        raise typer.BadParameter("--reason must not be empty")
    container = container_for(db)
    with container.uow() as uow:
        declare_day(
            uow,
            day=parse_day(day, "DAY"),
            is_workday=workday,
            reason=reason,
            by=by,
            now=container.deps.clock.now(),
        )
    typer.echo(f"{day}: {'working day' if workday else 'day off'} ({reason})")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8), see docs/catalogue.md.")],
    by: Annotated[str, typer.Option("--by", help="Who makes the change (recorded in the version).")] = "cli",
    note: Annotated[str, typer.Option("--note", help="Why (recorded in the version).")] = "",
    db: DbOption = None,
) -> None:
    """Replace the active catalogue with a CSV, all or nothing (every problem listed by line)."""
    from gridloop.dispatch.services.catalogue import import_catalogue

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
    from gridloop.dispatch.services.catalogue import export_catalogue

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
    from gridloop.dispatch.services.starter import load_demo_catalogue

    container = container_for(db)
    with container.uow() as uow:
        version = load_demo_catalogue(uow, now=container.deps.clock.now())
        typer.echo(f"catalogue version {version.id}: {version.rule_count} demo rules")


@catalogue_app.command("history")
def catalogue_history(db: DbOption = None) -> None:
    """List the latest catalogue versions: who changed what, when."""
    from gridloop.dispatch.services.catalogue import history

    with container_for(db).uow() as uow:
        for v in history(uow.session):
            typer.echo(
                f"v{v.id}\t{v.created_at.isoformat()}\t{v.created_by}\t{v.source}\t{v.rule_count} rules\t"
                f"{_summary(v.changes)}\t{v.note}"
            )
