"""CLI commands of dispatch: `sla due|tick`, `catalogue import|export`, `kpi`."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from gridloop.domain.errors import InvalidInput

sla_app = typer.Typer(help="Time limits in working time and supervision ticks.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the dispatch commands to the main CLI."""
    app.add_typer(sla_app, name="sla")


def _parse_when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO time: {text!r} (e.g. 2026-09-30T10:00+08:00)") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        from gridloop.config import get_settings

        moment = moment.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return moment


def _calendar_with_overrides() -> object:
    """The official calendar plus the database's overrides, or without them if the database is not set up."""
    from sqlalchemy.exc import SQLAlchemyError

    from gridloop.adapters.calendar import ChineseWorkCalendar, calendar_from_db
    from gridloop.adapters.db.engine import build_engine, session_factory
    from gridloop.config import get_settings

    try:
        engine = build_engine(get_settings().database_url)
        with session_factory(engine)() as session:
            return calendar_from_db(session)
    except SQLAlchemyError:
        print("note: no calendar overrides (database not initialised)", file=sys.stderr)
        return ChineseWorkCalendar()


@sla_app.command("due")
def sla_due(
    start: Annotated[str, typer.Option("--from", help="When the clock starts (ISO; local zone if naive).")],
    limit: Annotated[str, typer.Option("--limit", help="5wd, 4wh, 3d or 2h.")],
    working_hours: Annotated[
        str, typer.Option("--hours", help="Working periods for work_hour limits.")
    ] = "09:00-12:00,13:00-17:30",
    no_db: Annotated[bool, typer.Option("--no-db", help="Ignore the database's calendar overrides.")] = False,
) -> None:
    """Print the due time of a limit counted from a start time (Asia/Shanghai working calendar)."""
    from zoneinfo import ZoneInfo

    from gridloop.adapters.calendar import ChineseWorkCalendar
    from gridloop.config import get_settings
    from gridloop.domain.sla import TimeLimit, WorkCalendar, WorkingHours, due_at

    tz = get_settings().timezone
    try:
        parsed = TimeLimit.parse(limit)
    except InvalidInput as exc:
        raise typer.BadParameter(exc.detail) from None
    calendar: WorkCalendar = ChineseWorkCalendar() if no_db else _calendar_with_overrides()  # type: ignore[assignment]
    due = due_at(_parse_when(start), parsed, calendar=calendar, working=WorkingHours.parse(working_hours), tz=tz)
    typer.echo(due.astimezone(ZoneInfo(tz)).isoformat())

