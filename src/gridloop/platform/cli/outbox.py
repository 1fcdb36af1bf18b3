"""`gridloop outbox list|retry|deliver`: the admin's view of messages leaving the process, and their delivery."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gridloop.platform.cli.common import DbOption, container_for

if TYPE_CHECKING:
    from gridloop.platform.db.outbox import OutboxRow

app = typer.Typer(help="Messages that leave the process (webhook, log …): delivery state, retry, deliver.")


def register(root: typer.Typer) -> None:
    """Attach `gridloop outbox`."""
    root.add_typer(app, name="outbox", no_args_is_help=True)


@app.command("list")
def list_(
    state: Annotated[
        str | None, typer.Option(help="Only messages in this state: pending, sending, failed, sent, dead.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    db: DbOption = None,
) -> None:
    """The newest outbox messages with their delivery state, attempts and last error."""
    from gridloop.platform.db import outbox as table

    if state is not None and state not in table.STATES:
        raise typer.BadParameter(f"unknown state {state!r}; one of: {', '.join(table.STATES)}")
    container = container_for(db)
    with container.uow() as uow:
        items = [_item(r) for r in table.list_messages(uow.session, state=state, limit=limit)]
        counts = table.counts(uow.session)
    for item in items:
        if as_json:
            typer.echo(json.dumps(item, ensure_ascii=False))
        else:
            error = f"  {item['last_error']}" if item["last_error"] else ""
            typer.echo(
                f"{item['id']:>6}  {item['state']:<7}  {item['channel']:<8}  {item['topic']:<20}  "
                f"tries={item['attempts']}  case={item['case_number'] or '-'}  {item['created_at']}{error}"
            )
    if not as_json:
        typer.echo("totals: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "empty"))


def _item(r: OutboxRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "message_id": r.message_id,
        "channel": r.channel,
        "topic": r.topic,
        "state": r.state,
        "attempts": r.attempts,
        "created_at": r.created_at.isoformat(),
        "next_attempt_at": r.next_attempt_at.isoformat(),
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
        "last_error": r.last_error,
        "case_number": (r.payload or {}).get("case_number"),
    }


@app.command("retry")
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Ids of failed or dead messages to retry now.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Retry every dead message.")] = False,
    db: DbOption = None,
) -> None:
    """Make failed or dead messages due again (with a fresh count of attempts)."""
    from gridloop.platform.delivery import retry as retry_messages

    if not ids and not dead:
        raise typer.BadParameter("give message ids, or --dead for every dead message")
    count = retry_messages(container_for(db), ids=list(ids or []), dead=dead)
    typer.echo(f"{count} message(s) due again; `gridloop outbox deliver` (or a running server) sends them")


@app.command("deliver")
def deliver(db: DbOption = None) -> None:
    """Deliver every due message now (what the thread inside `serve` does after each commit); prints JSON."""
    from gridloop.platform.delivery import dispatcher_for

    report = dispatcher_for(container_for(db)).deliver_pending()
    typer.echo(json.dumps(report.as_dict()))
