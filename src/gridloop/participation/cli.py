"""`gridloop participation …`: campaigns, suggestions from files, clustering, themes, answers, statistics."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.platform.cli.common import DbOption, container_for, parse_day

app = typer.Typer(name="participation", help="Suggestion campaigns (人民建议征集) and their themes.",
                  no_args_is_help=True)  # fmt: skip
AsOption = Annotated[str, typer.Option("--as", help="Act as this user.")]


def register(root: typer.Typer) -> None:
    """Attach the `participation` commands to the main CLI."""
    root.add_typer(app, name="participation")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _actor(session: Any, username: str) -> Any:
    from gridloop.platform.org.services import org

    return org.actor_for(org.get_user(session, username))


@app.command("create")
def create_cmd(
    code: str,
    topic: str,
    as_user: AsOption,
    starts: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    ends: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    channel: Annotated[list[str], typer.Option("--channel", help="web | hotline | roundtable | letter | visit")],
    question: Annotated[list[str] | None, typer.Option("--question", help="A question (repeat).")] = None,
    open_now: Annotated[bool, typer.Option("--open", help="Open it at once.")] = False,
    db: DbOption = None,
) -> None:
    """Create a campaign owned by your unit."""
    from gridloop.participation.services import campaigns

    container = container_for(db)
    start: date = parse_day(starts, "--from")
    end: date = parse_day(ends, "--to")
    with container.uow() as uow:
        actor = _actor(uow.session, as_user)
        made = campaigns.create_campaign(
            uow, actor, code=code, topic=topic, starts_on=start, ends_on=end, channels=channel,
            questions=question or [], now=container.deps.clock.now(),
        )  # fmt: skip
    if open_now:
        with container.uow() as uow:
            made = campaigns.set_status(uow, _actor(uow.session, as_user), made["id"], status="open")
    print(f"campaign {made['id']} {made['code']}: {made['status_zh']}")


@app.command("import")
def import_cmd(
    campaign_id: int,
    path: Annotated[Path, typer.Argument(help="CSV with a 'text' column (optional: channel, proposer_name, "
                                              "proposer_contact, source_ref).")],
    db: DbOption = None,
) -> None:  # fmt: skip
    """Add suggestions from a CSV file (letters, roundtable notes …), one transaction per suggestion."""
    from gridloop.participation.services.suggestions import submit

    container = container_for(db)
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for rec in csv.DictReader(handle):
            with container.uow() as uow:
                submit(uow, campaign_id, channel=rec.get("channel") or "letter", text=rec["text"],
                       proposer_name=rec.get("proposer_name", ""), proposer_contact=rec.get("proposer_contact", ""),
                       source_ref=rec.get("source_ref", ""), now=container.deps.clock.now())  # fmt: skip
            count += 1
    print(f"{count} suggestions added to campaign {campaign_id}")


@app.command("cluster")
def cluster_cmd(campaign_id: int, as_user: AsOption, k: int | None = None, db: DbOption = None) -> None:
    """Sort a campaign's suggestions into themes."""
    from gridloop.participation.services.suggestions import cluster

    container = container_for(db)
    with container.uow() as uow:
        result = cluster(uow, _actor(uow.session, as_user), campaign_id, k=k, now=container.deps.clock.now())
    print(f"{result['suggestions']} suggestions, {len(result['themes'])} themes, "
          f"{result['near_duplicates']} near-duplicates")  # fmt: skip
    for t in result["themes"]:
        print(f"  {t['id']:>5}  {t['size']:>5}  {t['label']}  ({', '.join(t['key_terms'])})")


@app.command("themes")
def themes_cmd(campaign_id: int, db: DbOption = None) -> None:
    """A campaign's themes, largest first."""
    from gridloop.participation.services.suggestions import list_themes

    with container_for(db).uow() as uow:
        for t in list_themes(uow.session, campaign_id):
            print(f"{t['id']:>5}  {t['size']:>5}  {t['outcome_zh'] or '-':<6} {t['label']}")


@app.command("answer-theme")
def answer_theme_cmd(
    theme_id: int,
    outcome: Annotated[str, typer.Argument(help="adopted | partly | reference | not_adopted")],
    as_user: AsOption,
    reason: str = "",
    db: DbOption = None,
) -> None:
    """Answer a theme; every proposer in it gets an outcome notice."""
    from gridloop.participation.services.suggestions import answer_theme

    container = container_for(db)
    with container.uow() as uow:
        done = answer_theme(uow, _actor(uow.session, as_user), theme_id, outcome=outcome, reason=reason,
                            now=container.deps.clock.now(), outbox=container.deps.outbox)  # fmt: skip
    print(f"theme {theme_id}: {done['outcome_zh']}, {done['answered']} suggestions answered")


@app.command("stats")
def stats_cmd(campaign_id: int, db: DbOption = None) -> None:
    """Adoption statistics of a campaign (JSON)."""
    from gridloop.participation.services.campaigns import campaign_stats

    with container_for(db).uow() as uow:
        _print(campaign_stats(uow.session, campaign_id))
