"""CLI command of the demo city: `demo`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from gridloop.platform.cli.common import DbOption, container_for

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Attach `demo` to the main CLI."""
    app.command("demo")(demo)


def demo(
    db: DbOption = None,
    cases: Annotated[int, typer.Option(min=0, max=200_000, help="How many cases to generate.")] = 3000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Spread the cases over this many past days.")] = 60,
    cells: Annotated[
        int, typer.Option(min=0, max=200_000, help="Unit cells to generate (40,000 ≈ Shanghai; 0 = no geometry).")
    ] = 40_000,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when the database has data.")] = False,
    seed: int = 2026,
) -> None:
    """Build the demo city (Shanghai's districts, units, users for every role, generated cases)."""
    from gridloop.demo import city as demo_service
    from gridloop.platform.db.migrate import upgrade

    container = container_for(db)
    upgrade(container.uow.engine)
    if not demo_service.is_empty(container.uow):
        if if_empty:
            console.print("database already has data; demo not generated")
            return
        raise typer.BadParameter("the database already has data; use a new --db or pass --if-empty", param_hint="--db")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("generating cases", total=cases)
        logins = demo_service.build_demo_city(
            container.uow,
            deps=container.deps,
            cases=cases,
            days=days,
            cells=cells,
            seed=seed,
            progress=lambda n: bar.advance(task, n),
        )
    console.print(f"demo city ready: {cases} cases; logins (password '{demo_service.DEMO_PASSWORD}'):")
    for login in logins:
        console.print(f"  {login.username:16} {login.role:12} unit {login.unit}")
