"""Wiring-level commands: `init`, `db upgrade|revision`, `serve`, `docs settings` (they need every capability)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gridloop.platform.cli.common import DbOption, container_for, group, settings_for

console = Console(stderr=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the wiring-level commands."""
    app.command("init")(init)
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    group(app, "docs", help="Generated documentation.").command("settings")(docs_settings)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from gridloop.platform.db.migrate import current_revision, upgrade

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

    from gridloop.platform.db.migrate import MIGRATIONS, alembic_config, upgrade

    container = container_for(db)
    upgrade(container.uow.engine)
    existing = sorted(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    cfg = alembic_config(container.uow.engine)
    with container.uow.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id or f"{int(existing[-1]) + 1:04d}")


def init(db: DbOption = None) -> None:
    """Create the schema and the seed data an empty city needs (categories, duty roles of 多格合一)."""
    from gridloop.dispatch.services.setup import seed_reference_data

    db_upgrade(db)
    container = container_for(db)
    with container.uow() as uow:
        added = seed_reference_data(uow)
    console.print(f"seed data: {added} rows added")


def serve(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    supervision: Annotated[
        bool, typer.Option(help="Run the supervision tick every GRIDLOOP_SLA_TICK_SECONDS inside the server.")
    ] = True,
) -> None:
    """Serve the API and the console (one process; the supervision job and the outbox run in background threads)."""
    import threading

    import uvicorn

    from gridloop.bootstrap import build_container, create_app
    from gridloop.cases import jobs as supervision_job
    from gridloop.emergency import jobs as emergency_job
    from gridloop.platform.delivery import dispatcher_for

    container = build_container(settings_for(db))
    if supervision:
        supervision_job.start(container)
        emergency_job.start(container)
    dispatcher_for(container).start(threading.Event(), poll_seconds=container.settings.outbox_poll_seconds)
    console.print(f"gridloop serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(container=container), host=host, port=port, log_level="warning")


def docs_settings(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/settings.md"),
) -> None:
    """Regenerate docs/settings.md from the settings fields."""
    from gridloop.config import render_settings_markdown

    output.write_text(render_settings_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")
