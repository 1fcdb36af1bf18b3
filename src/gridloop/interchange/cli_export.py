"""`gridloop report …`: one export now, and the "report once" schedules (define, list, stop, run the due ones)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from gridloop.platform.cli.common import DbOption, container_for

schedule_app = typer.Typer(help="Recurring exports, one per recipient (只报一次).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the commands to the `report` group."""
    app.command("run")(export_now)
    app.command("due")(run_due)
    app.add_typer(schedule_app, name="schedule")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def export_now(
    kind: Annotated[str, typer.Argument(help="cases | kpis | hot_issues")],
    start: Annotated[str, typer.Option("--from", help="First local day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last local day (YYYY-MM-DD), included.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (.xlsx or .csv).")],
    district: Annotated[str | None, typer.Option("--district", help="Only this district (six digits).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Read as this unit sees it (its code).")] = None,
    db: DbOption = None,
) -> None:
    """Write one export: the case list, KPIs or hot issues of a period, with Chinese headers and local times."""
    from gridloop.interchange.domain.exports import ExportFormat, ExportKind
    from gridloop.interchange.services.exports import produce, reporting_actor

    parsed_kind = ExportKind.parse(kind)
    fmt = (
        ExportFormat.XLSX
        if out.suffix.lower() == ".xlsx"
        else ExportFormat.CSV
        if out.suffix.lower() == ".csv"
        else None
    )
    if fmt is None:
        raise typer.BadParameter("the file must end in .xlsx or .csv", param_hint="--out")
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise typer.BadParameter("the period ends before it starts", param_hint="--to")
    container = container_for(db)
    with container.uow() as uow:
        made = produce(
            uow.session,
            kind=parsed_kind,
            fmt=fmt,
            first=first,
            last=last,
            actor=reporting_actor(uow.session, unit),
            now=container.deps.clock.now(),
            tz=container.deps.tz,
            district=district,
        )
    out.write_bytes(made.content)
    print(f"wrote {out} ({made.rows} rows)")


def run_due(db: DbOption = None) -> None:
    """Produce every scheduled export whose time has come (what `serve` does every GRIDLOOP_EXPORT_TICK_SECONDS)."""
    from gridloop.interchange.services.exports import run_due as produce_due

    container = container_for(db)
    runs = produce_due(
        container.uow, now=container.deps.clock.now(), deps=container.deps, out_dir=container.settings.exports_dir
    )
    print(f"{len(runs)} exports produced" + (f": runs {', '.join(map(str, runs))}" if runs else ""))


@schedule_app.command("add")
def schedule_add(
    name: Annotated[str, typer.Argument(help="What the recipient calls it, e.g. 普陀区月度工单.")],
    kind: Annotated[str, typer.Option("--kind", help="cases | kpis | hot_issues")] = "cases",
    fmt: Annotated[str, typer.Option("--format", help="xlsx | csv")] = "xlsx",
    schedule: Annotated[str, typer.Option("--schedule", help="daily | weekly | monthly")] = "monthly",
    hour: Annotated[int, typer.Option("--hour", help="Local hour of the run (0–23).")] = 8,
    unit: Annotated[str | None, typer.Option("--unit", help="Recipient unit code (it sees what it may see).")] = None,
    district: Annotated[str | None, typer.Option("--district", help="Only this district (six digits).")] = None,
    by: Annotated[str, typer.Option("--by", help="Who defines it (recorded).")] = "cli",
    db: DbOption = None,
) -> None:
    """Define a recurring export for one recipient."""
    from gridloop.interchange.services.exports import create_definition

    container = container_for(db)
    new_id = create_definition(
        container.uow,
        name=name,
        kind=kind,
        fmt=fmt,
        schedule=schedule,
        hour=hour,
        recipient_unit=unit,
        district=district,
        by=by,
        now=container.deps.clock.now(),
        tz=container.deps.tz,
    )
    print(f"export definition {new_id} created")


@schedule_app.command("list")
def schedule_list(as_json: Annotated[bool, typer.Option("--json")] = False, db: DbOption = None) -> None:
    """Every definition with its next run."""
    from gridloop.interchange.services.exports import list_definitions

    container = container_for(db)
    with container.uow() as uow:
        rows = [
            {
                "id": d.id,
                "name": d.name,
                "recipient": d.recipient,
                "kind": d.kind,
                "format": d.format,
                "schedule": d.schedule,
                "active": d.active,
                "next_run_at": d.next_run_at.astimezone(container.deps.tz).isoformat(),
            }
            for d in list_definitions(uow.session)
        ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        state = "" if r["active"] else " (stopped)"
        what = f"{r['kind']}/{r['format']}  {r['schedule']}"
        print(f"{r['id']:>4}  {r['name']}  → {r['recipient']}  {what}  next {r['next_run_at']}{state}")


@schedule_app.command("stop")
def schedule_stop(definition_id: Annotated[int, typer.Argument(min=1)], db: DbOption = None) -> None:
    """Stop a definition (its files stay)."""
    from gridloop.interchange.services.exports import deactivate

    deactivate(container_for(db).uow, definition_id)
    print(f"export definition {definition_id} stopped")
