"""`gridloop import cases …` (a city's history in) and `gridloop report …` (lists, KPIs, hot issues out; the
"report once" schedules)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption, container_for

import_app = typer.Typer(help="Import a city's history (work orders from CSV or Excel).", no_args_is_help=True)
report_app = typer.Typer(
    help="Reports for other systems (.xlsx/CSV), once or on a schedule per recipient (只报一次).", no_args_is_help=True
)
console = Console(stderr=True)


def register(root: typer.Typer) -> None:
    """Attach the `import` and `report` commands to the main CLI (`export cases` is the case loop's own dump)."""
    root.add_typer(import_app, name="import")
    root.add_typer(report_app, name="report")
    from gridloop.interchange import cli_export

    cli_export.register(report_app)


def read_mapping(path: Path) -> Any:
    """A mapping file's content (YAML, which includes JSON), or one clear error."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise InvalidInput(f"{path}: not valid YAML or JSON{where}") from None


@import_app.command("cases")
def import_cases(
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx file of work orders.")],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="Column-mapping file (YAML or JSON).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; load nothing.")] = False,
    by: Annotated[str, typer.Option("--by", help="Who runs this (recorded with the batch).")] = "cli",
    batch: Annotated[int, typer.Option("--batch", min=100, max=100_000, help="Rows per INSERT batch.")] = 5000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Load historical work orders all or nothing; every problem is reported with its row and column."""
    from gridloop.interchange.domain.mapping import parse_spec
    from gridloop.interchange.services.importing import import_cases as run

    spec = parse_spec(read_mapping(mapping))
    container = container_for(db)
    now = container.deps.clock.now()
    with Progress(console=console, transient=True, disable=as_json or not sys.stderr.isatty()) as bar:
        task = bar.add_task("checking" if dry_run else "importing", total=None)
        report = run(
            container.uow,
            file,
            spec,
            now=now,
            by=by,
            dry_run=dry_run,
            batch=batch,
            progress=lambda n: bar.advance(task, n),
        )
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for p in report.problems[:50]:
            print(f"row {p.row}, {p.column}: {p.message}")
        if report.problem_count > 50:
            print(f"… and {report.problem_count - 50} more problems (--json lists up to 500)")
        if report.ok and dry_run:
            print(f"{file.name}: {report.rows} rows, all valid (dry run: nothing loaded)")
        elif report.ok:
            print(f"{file.name}: imported {report.imported} cases (batch {report.import_id})")
        else:
            print(f"{file.name}: {report.rows} rows, {report.problem_count} problems; nothing loaded")
    if not report.ok:
        raise typer.Exit(2)
    if report.rows == 0:
        print("gridloop: the file has no data rows", file=sys.stderr)
        raise typer.Exit(2)
