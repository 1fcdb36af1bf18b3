"""`gridloop open311 key …`: administrators create, list and revoke Open311 API keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from gridloop.platform.cli.common import DbOption, container_for

app = typer.Typer(help="Open311 GeoReport v2 interface: API keys.", no_args_is_help=True)
key_app = typer.Typer(help="API keys for POST requests (only a digest is stored).", no_args_is_help=True)
app.add_typer(key_app, name="key")


def register(root: typer.Typer) -> None:
    """Attach the `open311` commands to the main CLI."""
    root.add_typer(app, name="open311")


@key_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who the key is for (unique).")],
    user: Annotated[
        str | None,
        typer.Option(
            "--user", help="Account the key submits as (default: a new grid-worker account open311-NAME at the city)."
        ),
    ] = None,
    per_minute: Annotated[int, typer.Option("--per-minute", min=1, help="Requests it may create per minute.")] = 30,
    webhook: Annotated[str | None, typer.Option("--webhook", help="URL told of status changes.")] = None,
    db: DbOption = None,
) -> None:
    """Create a key and print it once (it cannot be shown again)."""
    from gridloop.open311.services.keys import issue_key

    container = container_for(db)
    with container.uow() as uow:
        key, secret = issue_key(uow, name=name, now=container.deps.clock.now(), username=user,
                                per_minute=per_minute, webhook_url=webhook)  # fmt: skip
    if secret:
        print(f"webhook signing secret (HMAC-SHA256, X-Open311-Signature): {secret}")
    print(key)


@key_app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """Every key's name, account, throttle and state (never the key)."""
    from gridloop.open311.services.keys import list_keys

    with container_for(db).uow() as uow:
        print(json.dumps(list_keys(uow), ensure_ascii=False, indent=2))


@key_app.command("revoke")
def revoke(name: Annotated[str, typer.Option("--name")], db: DbOption = None) -> None:
    """Revoke a key."""
    from gridloop.open311.services.keys import revoke_key

    container = container_for(db)
    with container.uow() as uow:
        revoke_key(uow, name=name, now=container.deps.clock.now())
    print(f"revoked {name}")
