"""CLI commands of the case loop: `case show`, `export cases`, `sla tick`, `kpi`, `docs lifecycle`."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from gridloop.platform.cli.common import DbOption, container_for, group, parse_day, parse_when

console = Console(stderr=True)
T = TypeVar("T")
case_app = typer.Typer(help="Cases.", no_args_is_help=True)
export_app = typer.Typer(help="Exports.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the case loop's commands to the main CLI."""
    app.add_typer(case_app, name="case")
    app.add_typer(export_app, name="export")
    app.command("kpi")(kpi)
    group(app, "sla", help="Time limits in working time and supervision ticks.").command("tick")(sla_tick)
    group(app, "docs", help="Generated documentation.").command("lifecycle")(docs_lifecycle)


@case_app.command("show")
def case_show(
    number: str,
    as_user: Annotated[str, typer.Option("--as", help="Show as this user (scope and masking apply).")] = "admin",
    db: DbOption = None,
) -> None:
    """Print one case and its timeline as JSON."""
    from gridloop.cases.services import queries
    from gridloop.org.services import org

    container = container_for(db)
    now = container.deps.clock.now()
    with container.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, as_user))
        case = queries.get_case_by_number(uow.session, actor, number)
        out = queries.case_to_dict(case, actor, units=queries.unit_codes(uow.session, [case]), now=now)
        out["timeline"] = [queries.event_to_dict(e) for e in queries.timeline(uow.session, actor, case.id)]
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


EXPORT_COLUMNS = [
    "number",
    "title",
    "status",
    "channel",
    "request_type",
    "urgency",
    "category",
    "district_code",
    "street_code",
    "lead_unit",
    "received_at",
    "due_at",
    "overdue",
    "supervised",
]


@export_app.command("cases")
def export_cases(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
    as_user: Annotated[str, typer.Option("--as", help="Export as this user (scope and masking apply).")] = "admin",
    status: Annotated[list[str] | None, typer.Option(help="Only these statuses.")] = None,
    db: DbOption = None,
) -> None:
    """Export the cases a user may see (personal data masked unless the role may see it)."""
    from gridloop.cases.services import queries
    from gridloop.org.services import org

    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter("use csv or jsonl", param_hint="--format")
    container = container_for(db)
    now = container.deps.clock.now()
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    count = 0
    try:
        with container.uow() as uow:
            actor = org.actor_for(org.get_user(uow.session, as_user))
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore") if fmt == "csv" else None
            if writer:
                writer.writeheader()
            rows = queries.iter_cases(uow.session, actor, queries.CaseFilter(status=status), now=now)
            for chunk in _chunks(rows, 500):
                units = queries.unit_codes(uow.session, chunk)
                for case in chunk:
                    data = queries.case_to_dict(case, actor, units=units, now=now, full=False)
                    if writer:
                        writer.writerow(data)
                    else:
                        out.write(json.dumps(data, ensure_ascii=False) + "\n")
                    count += 1
    finally:
        if output:
            out.close()
    console.print(f"exported {count} cases")


def _chunks(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def sla_tick(
    at: Annotated[str | None, typer.Option("--at", help="Pretend it is this time (ISO); default now.")] = None,
    every: Annotated[
        int | None, typer.Option("--every", min=1, help="Keep ticking every N seconds (Ctrl-C stops).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Flag due-soon and overdue cases, open and escalate 督办 records, send notices; prints JSON."""
    import time

    from gridloop.cases.services.supervision import scheduled_tick
    from gridloop.platform.delivery import dispatcher_for

    container = container_for(db)
    while True:
        now = parse_when(at, container.settings.timezone) if at else container.deps.clock.now()
        result = scheduled_tick(
            container.uow, settings=container.settings, outbox=container.deps.outbox, deps=container.deps, now=now
        )
        dispatcher_for(container).deliver_pending()  # the notices were committed to the outbox: send them now
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        if every is None:
            return
        time.sleep(every)


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
    from gridloop.cases.domain.metrics import Kpi
    from gridloop.cases.services.kpis import GroupBy, Period, kpi_report, ranking, year_on_year

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("--format must be table, csv or json")
    period = Period(parse_day(start, "--from"), parse_day(end, "--to"))
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


def docs_lifecycle(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/lifecycle.md"),
) -> None:
    """Regenerate docs/lifecycle.md from the transition table."""
    from gridloop.cases.domain.lifecycle import render_lifecycle_markdown

    output.write_text(render_lifecycle_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")
