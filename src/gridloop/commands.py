"""Wiring-level commands: `init`, `db upgrade|revision`, `serve`, `docs settings` (they need every capability)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gridloop.platform.cli.common import DbOption, container_for, group, settings_for
from gridloop.platform.container import Container

console = Console(stderr=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the wiring-level commands."""
    app.command("init")(init)
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    group(app, "worker", help="Background workers (triage, readings).").command("triage")(worker_triage)
    group(app, "docs", help="Generated documentation.").command("settings")(docs_settings)
    group(app, "worker", help="Long-running workers that consume from NATS JetStream.").command("readings")(
        readings_worker
    )


def readings_worker(
    db: DbOption = None,
    batch: Annotated[int, typer.Option(min=1, max=5000, help="Readings fetched and evaluated per batch.")] = 2000,
    idle_exit: Annotated[
        float | None, typer.Option("--idle-exit", min=0, help="Stop after this many seconds without readings.")
    ] = None,
    partition: Annotated[
        int, typer.Option(min=0, help="The station partition to evaluate (0 … GRIDLOOP_READINGS_PARTITIONS-1).")
    ] = 0,
) -> None:
    """Consume sensor readings from JetStream (durable consumer `monitoring`, or `monitoring-p<k>` per partition)
    and run them through the alarm rules."""
    import json
    import signal
    import threading

    from gridloop.emergency.jobs import run_readings_worker
    from gridloop.kernel.errors import InvalidInput
    from gridloop.platform.signals import stop_on_signals

    container = container_for(db)
    url = container.settings.nats_url
    if not url:
        raise InvalidInput("GRIDLOOP_NATS_URL is not set: the readings worker needs a NATS server with JetStream")
    stop = threading.Event()
    stop_on_signals(stop, [signal.SIGTERM])
    try:
        counts = run_readings_worker(
            container,
            url=url,
            prefix=container.settings.nats_prefix,
            batch=batch,
            stop=stop,
            idle_exit=idle_exit,
            partition=partition,
        )
    except KeyboardInterrupt:
        return
    console.print(json.dumps(counts))


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


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")], db: DbOption = None) -> None:
    """Back the database up while it serves (SQLite: online backup API; PostgreSQL: pg_dump on PATH)."""
    from gridloop.platform.db.backup import BackupError, backup

    container = container_for(db)
    try:
        backup(container.uow.engine, file)
    except BackupError as exc:
        raise typer.BadParameter(str(exc), param_hint="backup") from None
    console.print(f"backup written to {file} ({file.stat().st_size:,} bytes)")
    _backup_attachments(container, file)


def attachments_archive(file: Path) -> Path:
    """Where a backup's attachments go: beside it, `<file>.attachments.tar.gz`."""
    return file.with_name(file.name + ".attachments.tar.gz")


def _backup_attachments(container: Container, file: Path) -> None:
    from gridloop.config import attachments_location
    from gridloop.platform.files import archive_folder

    location = attachments_location(container.settings)
    if location.startswith("s3://"):
        console.print(f"attachments live in {location}: back the bucket up with its own versioning or replication")
        return
    target = attachments_archive(file)
    count = archive_folder(Path(location), target)
    console.print(f"attachments written to {target} ({count:,} files)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `gridloop db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database's contents without asking.")] = False,
    db: DbOption = None,
) -> None:
    """Replace the database with a backup (stop `serve` first), then verify the audit chain."""
    from gridloop.cases.services import audit
    from gridloop.platform.db.backup import BackupError, restore

    if not yes:
        typer.confirm("Replace every row of the database with the backup?", abort=True)
    container = container_for(db)
    try:
        restore(container.uow.engine, file)
    except BackupError as exc:
        raise typer.BadParameter(str(exc), param_hint="restore") from None
    _restore_attachments(container, file)
    db_upgrade(db)
    with container.uow() as uow:
        verdict = audit.verify(uow.session)
    console.print(f"restored from {file}; audit chain: {'intact' if verdict.ok else verdict.problem} "
                  f"({verdict.events} events)")  # fmt: skip
    if not verdict.ok:
        raise typer.BadParameter(f"audit chain broken after restore: {verdict.problem}", param_hint="restore")


def _restore_attachments(container: Container, file: Path) -> None:
    from gridloop.config import attachments_location
    from gridloop.platform.files import restore_folder

    archive = attachments_archive(file)
    location = attachments_location(container.settings)
    if archive.exists() and not location.startswith("s3://"):
        count = restore_folder(archive, Path(location))
        console.print(f"attachments restored from {archive} ({count:,} files)")


def init(db: DbOption = None) -> None:
    """Create the schema and the seed data an empty city needs (categories, duty roles of 多格合一)."""
    from gridloop.dispatch.services.setup import seed_reference_data
    from gridloop.platform.org.services import installation

    db_upgrade(db)
    container = container_for(db)
    with container.uow() as uow:
        added = seed_reference_data(uow)
    with container.uow() as uow:
        if installation.ensure_secret_key(uow):
            console.print("secret key: a random key was stored with the installation")
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

    from gridloop.bootstrap import build_container, create_app, insecure_key_refusal
    from gridloop.cases import jobs as supervision_job
    from gridloop.drills import jobs as drill_job
    from gridloop.emergency import jobs as emergency_job
    from gridloop.interchange import jobs as exports_job
    from gridloop.knowledge import jobs as knowledge_job
    from gridloop.platform.delivery import dispatcher_for

    container = build_container(settings_for(db))
    refusal = insecure_key_refusal(container)
    if refusal:
        raise typer.BadParameter(refusal, param_hint="GRIDLOOP_SECRET_KEY")
    if supervision:
        supervision_job.start(container)
        emergency_job.start(container)
        exports_job.start(container)
        knowledge_job.start(container)
        drill_job.start(container)
    supervision_job.start_pipeline(container)
    console.print(supervision_job.describe_pipeline(container))
    dispatcher_for(container).start(threading.Event(), poll_seconds=container.settings.outbox_poll_seconds)
    console.print(f"gridloop serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    trusted = container.settings.trusted_proxies.strip()
    app = create_app(container=container)
    supervision_job.keep_boards_ahead(container, app)  # boards looked at are rebuilt before their minute is up
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        limit_concurrency=container.settings.max_connections or None,
    )


def worker_triage(
    db: DbOption = None,
    threads: Annotated[int, typer.Option(min=1, max=16, help="Worker threads in this process.")] = 1,
    once: Annotated[bool, typer.Option(help="Triage every pending report, print how many, and exit.")] = False,
    child_of: Annotated[
        int | None, typer.Option(hidden=True, help="(serve) run as this process's child: woken by its stdin.")
    ] = None,
) -> None:
    """Run triage workers: lease pending reports in batches from the database queue (or, with GRIDLOOP_NATS_URL,
    consume them from JetStream as the durable consumer `triage`), triage them and run the intake subscribers."""
    import threading

    from gridloop.cases import jobs
    from gridloop.platform.db.writelock import WriteLock
    from gridloop.platform.signals import stop_on_signals

    stop = threading.Event()
    wake: list[Container] = []  # the container, once built: a wake-up before then finds the queue anyway
    if child_of is not None:  # first of all: die with the parent even while the classifier still loads
        from gridloop.platform.childproc import follow_parent

        follow_parent(child_of, wake=lambda: [c.deps.triage_kick() for c in wake], gone=stop.set)
    container = container_for(db)
    wake.append(container)
    if isinstance(container.deps.write_lock, WriteLock):  # SQLite: the servers' writers (acknowledgements) go first
        container.deps.write_lock.give_way()
    if once:
        from gridloop.cases.services import triage_queue

        done = triage_queue.drain(container.uow, deps=container.deps, batch=container.settings.triage_batch_size)
        print(done)
        return
    stop_on_signals(stop)
    if stop.is_set():  # the parent went away while we started
        return
    started = jobs.start_workers(container, stop=stop, threads=threads)
    if child_of is None:
        console.print(f"triage workers running ({len(started)} threads, {jobs.source_of(container)}); Ctrl-C stops")
    while not stop.is_set():
        stop.wait(1)
    for t in started:
        t.join(timeout=container.settings.triage_lease_seconds)


def docs_settings(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("docs/settings.md"),
) -> None:
    """Regenerate docs/settings.md from the settings fields."""
    from gridloop.config import render_settings_markdown

    output.write_text(render_settings_markdown(), encoding="utf-8")
    console.print(f"wrote {output}")
