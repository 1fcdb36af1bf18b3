"""`gridloop petition …`: register, list, show, act on petitions, coordination steps, 诉访分离 advice, limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption, container_for

app = typer.Typer(name="petition", help="Petitions (信访) under the 信访工作条例.", no_args_is_help=True)

AsOption = Annotated[str, typer.Option("--as", help="Act as this user (only petitions their unit handles).")]
ACTIONS = ("accept", "reject", "guide-legal", "extend", "answer", "review-request", "review-decision", "close")


def register(root: typer.Typer) -> None:
    """Attach the `petition` commands to the main CLI."""
    root.add_typer(app, name="petition")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _actor(session: Any, username: str) -> Any:
    from gridloop.platform.org.services import org

    return org.actor_for(org.get_user(session, username))


@app.command("register")
def register_cmd(
    input: Annotated[Path, typer.Option("--input", "-i", help="The petition as JSON (fields as the API's).")],
    as_user: AsOption,
    db: DbOption = None,
) -> None:
    """Register a petition at your unit; prints it with its 诉访分离 advice and any repeat link."""
    from gridloop.petitions.services.petitions import PetitionIn
    from gridloop.petitions.services.petitions import register as run

    try:
        data = json.loads(input.read_text(encoding="utf-8-sig"))
        body = PetitionIn(**data)
    except (json.JSONDecodeError, TypeError) as exc:
        raise InvalidInput(f"{input}: {exc}") from None
    container = container_for(db)
    with container.uow() as uow:
        _print(run(uow, _actor(uow.session, as_user), body, now=container.deps.clock.now(), tz=container.deps.tz))


@app.command("list")
def list_cmd(as_user: AsOption, status: str | None = None, db: DbOption = None) -> None:
    """Petitions your unit handles."""
    from gridloop.petitions.services.petitions import list_petitions

    with container_for(db).uow() as uow:
        for p in list_petitions(uow.session, _actor(uow.session, as_user), status=status):
            print(f"{p['id']:>5}  {p['number']}  {p['status_zh']:<10} due {p['due_at'] or '-':<26} {p['subject']}")


@app.command("show")
def show_cmd(petition_id: int, as_user: AsOption, db: DbOption = None) -> None:
    """One petition with its history and coordination records."""
    from gridloop.petitions.services.petitions import show

    with container_for(db).uow() as uow:
        _print(show(uow.session, _actor(uow.session, as_user), petition_id))


@app.command("act")
def act_cmd(
    petition_id: int,
    action: Annotated[str, typer.Argument(help=" | ".join(ACTIONS))],
    as_user: AsOption,
    text: Annotated[str, typer.Option("--text", help="Reason, answer or opinion text.")] = "",
    unit: Annotated[str, typer.Option("--unit", help="Unit code (handling organ, review organ).")] = "",
    level: Annotated[str, typer.Option("--level", help="review (复查) or rereview (复核).")] = "review",
    channel: Annotated[str | None, typer.Option("--channel", help="Legal channel for guide-legal.")] = None,
    db: DbOption = None,
) -> None:
    """One lifecycle step: accept --unit, reject --text, guide-legal [--channel], extend --text, answer --text,
    review-request --unit --level, review-decision --level --text, close."""
    from gridloop.petitions.services import petitions as s

    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}; one of: {', '.join(ACTIONS)}")
    container = container_for(db)
    now, tz = container.deps.clock.now(), container.deps.tz
    with container.uow() as uow:
        actor = _actor(uow.session, as_user)
        calls = {
            "accept": lambda: s.accept(uow, actor, petition_id, handling_unit_code=unit, note=text, now=now, tz=tz),
            "reject": lambda: s.reject(uow, actor, petition_id, reason=text, now=now, tz=tz),
            "guide-legal": lambda: s.guide_to_legal(uow, actor, petition_id, channel=channel, note=text, now=now,
                                                    tz=tz),
            "extend": lambda: s.extend(uow, actor, petition_id, reason=text, now=now, tz=tz),
            "answer": lambda: s.answer(uow, actor, petition_id, text=text, now=now, tz=tz),
            "review-request": lambda: s.request_review(uow, actor, petition_id, unit_code=unit, level=level, now=now,
                                                       tz=tz),
            "review-decision": lambda: s.decide_review(uow, actor, petition_id, level=level, text=text, now=now,
                                                       tz=tz),
            "close": lambda: s.close(uow, actor, petition_id, note=text, now=now, tz=tz),
        }  # fmt: skip
        result = calls[action]()
    print(f"{result['number']}: {result['status_zh']} ({result['status']}), due {result['due_at'] or '-'}")


@app.command("transfer")
def transfer_cmd(
    petition_id: int,
    legal_unit: Annotated[str, typer.Option("--legal-unit", help="court | procuratorate | public_security | "
                                                                 "justice_bureau")],
    unit: Annotated[str, typer.Option("--unit", help="Code of the receiving unit.")],
    as_user: AsOption,
    note: str = "",
    db: DbOption = None,
) -> None:  # fmt: skip
    """Open a coordination record: transfer to a political-legal unit."""
    from gridloop.petitions.services.coordination import transfer

    container = container_for(db)
    with container.uow() as uow:
        _print(transfer(uow, _actor(uow.session, as_user), petition_id, legal_unit=legal_unit, unit_code=unit,
                        note=note, now=container.deps.clock.now(), tz=container.deps.tz))  # fmt: skip


@app.command("coordination")
def coordination_cmd(
    coordination_id: int,
    step: Annotated[str, typer.Argument(help="acknowledge | result | feedback")],
    as_user: AsOption,
    text: str = "",
    db: DbOption = None,
) -> None:
    """A step on a coordination record."""
    from gridloop.petitions.services.coordination import step as run

    container = container_for(db)
    with container.uow() as uow:
        _print(run(uow, _actor(uow.session, as_user), coordination_id, step_name=step, text=text,
                   now=container.deps.clock.now(), tz=container.deps.tz))  # fmt: skip


@app.command("separate")
def separate_cmd(text: str) -> None:
    """诉访分离 advice for a text: channel, unit, guidance and the rules that fired (nothing stored)."""
    from gridloop.petitions.services.petitions import separation_advice

    _print(separation_advice(text))


@app.command("limits")
def limits_cmd(db: DbOption = None) -> None:
    """The time limits in force (calendar days) with their basis and citation."""
    from gridloop.petitions.services.petitions import load_limits

    with container_for(db).uow() as uow:
        for lim in load_limits(uow.session).values():
            print(f"{lim.key:<18} {lim.days:>3} 日  from {lim.starts_at:<19} [{lim.basis}] {lim.zh}: {lim.citation}")
