"""Core commands: init, db upgrade, demo, serve, user add, token create, case show, export cases, docs."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress

from gridloop.entrypoints.cli.common import DbOption, container_for, settings_for

console = Console(stderr=True)
T = TypeVar("T")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
case_app = typer.Typer(help="Cases.", no_args_is_help=True)
export_app = typer.Typer(help="Exports.", no_args_is_help=True)
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the core commands."""
    app.command("init")(init)
    app.command("demo")(demo)
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(case_app, name="case")
    app.add_typer(export_app, name="export")
    app.add_typer(docs_app, name="docs")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from gridloop.adapters.db.migrate import current_revision, upgrade

    container = container_for(db)
    upgrade(container.uow.engine)
    console.print(f"database at revision {current_revision(container.uow.engine)}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    rev_id: Annotated[str | None, typer.Option(help="Revision id (default: next number).")] = None,
    db: DbOption = None,
) -> None:
    """(Developers) autogenerate a migration from the models against a database at head."""
    from alembic import command

    from gridloop.adapters.db.migrate import MIGRATIONS, alembic_config, upgrade

    container = container_for(db)
    upgrade(container.uow.engine)
    existing = sorted(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    cfg = alembic_config(container.uow.engine)
    with container.uow.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id or f"{int(existing[-1]) + 1:04d}")


def init(db: DbOption = None) -> None:
    """Create the schema and the seed data an empty city needs (categories, duty roles of 多格合一)."""
    from gridloop.services.setup import seed_reference_data

    db_upgrade(db)
    container = container_for(db)
    with container.uow() as uow:
        added = seed_reference_data(uow)
    console.print(f"seed data: {added} rows added")


def _is_empty(container: object) -> bool:
    from sqlalchemy import func, select

    from gridloop.adapters.db.tables import UnitRow

    with container.uow() as uow:  # type: ignore[attr-defined]
        return not uow.session.scalar(select(func.count()).select_from(UnitRow))


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
    from gridloop.adapters.db.migrate import upgrade
    from gridloop.services import demo as demo_service

    container = container_for(db)
    upgrade(container.uow.engine)
    if not _is_empty(container):
        if if_empty:
            console.print("database already has data; demo not generated")
            return
        raise typer.BadParameter("the database already has data; use a new --db or pass --if-empty", param_hint="--db")
    now = container.deps.clock.now()
    with container.uow() as uow:
        builder = demo_service.real_areas(cells, seed=seed) if cells else demo_service.simple_areas
        logins = demo_service.build_org(uow.session, now=now - timedelta(days=days + 1), area_builder=builder)
        uow.commit()
        from gridloop.services.catalogue_demo import load_demo_catalogue

        load_demo_catalogue(uow, now=now - timedelta(days=days + 1))
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("generating cases", total=cases)
            demo_service.generate_cases(
                uow.session,
                deps=container.deps,
                count=cases,
                start=now - timedelta(days=days),
                end=now,
                seed=seed,
                progress=lambda n: bar.advance(task, n),
            )
        uow.commit()
    console.print(f"demo city ready: {cases} cases; logins (password '{demo_service.DEMO_PASSWORD}'):")
    for login in logins:
        console.print(f"  {login.username:16} {login.role:12} unit {login.unit}")


def serve(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    supervision: Annotated[
        bool, typer.Option(help="Run the supervision tick every GRIDLOOP_SLA_TICK_SECONDS inside the server.")
    ] = True,
) -> None:
    """Serve the API and the console (one process; the supervision job runs in a background thread)."""
    import uvicorn

    from gridloop.bootstrap import build_container, create_app
    from gridloop.entrypoints import supervision_job

    container = build_container(settings_for(db))
    if supervision:
        supervision_job.start(container)
    console.print(f"gridloop serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(container=container), host=host, port=port, log_level="warning")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="operator, dispatcher, handler, grid_worker, supervisor, admin, analyst")],
    unit: Annotated[str, typer.Option(help="Code of the unit the person belongs to.")],
    display_name: str | None = None,
    password: Annotated[str | None, typer.Option(help="Login password for the web console (≥ 8 characters).")] = None,
    db: DbOption = None,
) -> None:
    """Add a person with one role in one unit."""
    from gridloop.domain.org import Role
    from gridloop.services import org

    try:
        role_v = Role.parse(role)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from None
    container = container_for(db)
    with container.uow() as uow:
        org.create_user(
            uow.session,
            username=username,
            role=role_v,
            unit_code=unit,
            now=container.deps.clock.now(),
            display_name=display_name,
            password=password,
        )
        uow.commit()
    console.print(f"user {username} added ({role_v.value} of {unit})")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="Username the token acts as.")],
    days: Annotated[int, typer.Option(min=1, max=3650)] = 365,
    db: DbOption = None,
) -> None:
    """Print a new bearer token for a user (shown once)."""
    from gridloop.services import org

    container = container_for(db)
    with container.uow() as uow:
        token = org.create_token(uow.session, username=user, now=container.deps.clock.now(), days=days)
        uow.commit()
    typer.echo(token)


@case_app.command("show")
def case_show(
    number: str,
    as_user: Annotated[str, typer.Option("--as", help="Show as this user (scope and masking apply).")] = "admin",
    db: DbOption = None,
) -> None:
    """Print one case and its timeline as JSON."""
    from gridloop.services import org, queries

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
    from gridloop.services import org, queries

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


@docs_app.command("lifecycle")
def docs_lifecycle(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/lifecycle.md"),
) -> None:
    """Regenerate docs/lifecycle.md from the transition table."""
    from gridloop.domain.cases import render_lifecycle_markdown

    output.write_text(render_lifecycle_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")


@docs_app.command("settings")
def docs_settings(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/settings.md"),
) -> None:
    """Regenerate docs/settings.md from the settings fields."""
    from gridloop.config import render_settings_markdown

    output.write_text(render_settings_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")
