"""CLI commands of the organisation: `user add`, `token create`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from gridloop.platform.cli.common import DbOption, container_for

console = Console(stderr=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach the organisation's commands to the main CLI."""
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


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
    from gridloop.kernel.org import Role
    from gridloop.org.services.people import register_user

    try:
        role_v = Role.parse(role)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from None
    container = container_for(db)
    with container.uow() as uow:
        register_user(
            uow,
            username=username,
            role=role_v,
            unit_code=unit,
            now=container.deps.clock.now(),
            display_name=display_name,
            password=password,
        )
    console.print(f"user {username} added ({role_v.value} of {unit})")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="Username the token acts as.")],
    days: Annotated[int, typer.Option(min=1, max=3650)] = 365,
    db: DbOption = None,
) -> None:
    """Print a new bearer token for a user (shown once)."""
    from gridloop.org.services.people import issue_token

    container = container_for(db)
    with container.uow() as uow:
        token = issue_token(uow, username=user, now=container.deps.clock.now(), days=days)
    typer.echo(token)
