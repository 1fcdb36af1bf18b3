"""`gridloop export …` commands (filled in below)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the export commands to the `export` group."""
