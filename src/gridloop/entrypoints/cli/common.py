"""Helpers shared by CLI modules: the --db option and building the container."""

from __future__ import annotations

from typing import Annotated

import typer

from gridloop.bootstrap import Container, build_container
from gridloop.config import Settings, get_settings

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


def container_for(db: str | None) -> Container:
    """The container for a CLI command."""
    return build_container(settings_for(db))
