"""Helpers shared by CLI modules: the --db option, the container, sub-command groups, dates on the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from gridloop.config import Settings, get_settings
from gridloop.platform.container import Container

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: GRIDLOOP_DATABASE_URL or sqlite:///var/gridloop.db)."),
]


def settings_for(db: str | None) -> Settings:
    """Settings with the --db override applied."""
    base = get_settings()
    if db is None:
        return base
    url = db if "://" in db else f"sqlite:///{db}"
    return base.model_copy(update={"database_url": url})


_factory: list[Callable[[Settings], Container]] = []


def use_container_factory(factory: Callable[[Settings], Container]) -> None:
    """Install the wiring's container builder (done once by `gridloop.cli` before any command runs)."""
    _factory[:] = [factory]


def container_for(db: str | None) -> Container:
    """The container for a CLI command: the one way a command reaches the database."""
    if not _factory:
        raise RuntimeError("the CLI shell has no container factory; run commands through gridloop.cli")
    return _factory[0](settings_for(db))


def group(root: typer.Typer, name: str, *, help: str) -> typer.Typer:
    """The sub-command group `name` of the root CLI, created on first use (several capabilities add to one)."""
    for info in root.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True)
    root.add_typer(sub, name=name)
    return sub


def parse_when(text: str, tz: str) -> datetime:
    """An ISO time from the command line; a time without zone is read in `tz`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO time: {text!r} (e.g. 2026-09-30T10:00+08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


def parse_day(text: str, name: str) -> date:
    """A calendar day (YYYY-MM-DD) from the command line."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name}: not a date {text!r} (YYYY-MM-DD)") from None
