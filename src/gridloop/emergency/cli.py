"""`gridloop emergency …`: replay a sensor series through the alarm rules into CAP 1.2 warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from gridloop.platform.cli.common import container_for

app = typer.Typer(help="Emergency loop: monitoring rules and warnings (CAP 1.2).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Attach the `emergency` commands to the root CLI (`worker readings` is wired in `gridloop.commands`)."""
    root.add_typer(app, name="emergency")


@app.command("replay")
def replay_command(
    readings: Annotated[Path, typer.Argument(help="Long-format CSV: ts, station_id, metric, value, unit.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for <identifier>.xml and warnings.jsonl (new or empty).")],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Rule file (.toml), or a signal table (.csv: level, window_hours, threshold_mm)."),
    ] = None,
    xsd: Annotated[
        Path | None,
        typer.Option("--xsd", help="CAP-v1.2.xsd to validate every message (default: the shared data copy, if any)."),
    ] = None,
    admin_code: Annotated[str, typer.Option(help="GB/T 2260 code of the sender (identifier prefix).")] = "310000",
    org_code: Annotated[str, typer.Option(help="GB/T 4657 organisation code (3 digits).")] = "000",
    sender: Annotated[str, typer.Option(help="CAP sender (no spaces or commas).")] = "emergency@gridloop.example",
    sender_name: Annotated[str, typer.Option(help="Sender name shown in each message.")] = "gridloop 城运中心",
    exercise: Annotated[bool, typer.Option("--exercise", help="Publish with status=Exercise (drills).")] = False,
    tz: Annotated[str, typer.Option(help="Time zone of times written without an offset.")] = "Asia/Shanghai",
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Also store every message in this database (URL or SQLite path); else none is stored."
        ),
    ] = None,
) -> None:
    """Replay READINGS on its own clock and write one CAP message per warning transition (--db: store them too)."""
    from gridloop.emergency.services.run import replay_file

    try:
        naive_tz = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    summary = replay_file(
        readings,
        out=out,
        rules_path=rules,
        xsd=xsd,
        admin_code=admin_code,
        org_code=org_code,
        sender=sender,
        sender_name=sender_name,
        status="Exercise" if exercise else "Actual",
        naive_tz=naive_tz,
        **_store(db),
    )
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


def _store(db: str | None) -> dict[str, Any]:
    """Where a replay stores its messages: the database's unit of work, its outbox and clock (--db)."""
    if not db:
        return {}
    container = container_for(db)
    return {"uow": container.uow, "outbox": container.deps.outbox, "now": container.deps.clock.now()}


@app.command("tick")
def tick_command(db: Annotated[str | None, typer.Option(help="Database URL (default: settings).")] = None) -> None:
    """Run the emergency supervision tick once (overdue hazards → 挂牌督办; unacknowledged tasks escalate)."""
    from gridloop.emergency.services.tick import tick

    container = container_for(db)
    moved = tick(container.uow, now=container.deps.clock.now(), outbox=container.deps.outbox,
                 readings_partitions=container.settings.readings_partitions)  # fmt: skip
    typer.echo(json.dumps(moved))
