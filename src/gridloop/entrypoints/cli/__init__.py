"""The `gridloop` command. Each feature adds its commands in its own module, registered in `_register()`."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="gridloop",
    help="gridloop: the 12345 closed loop and grid-based city operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    """Attach every feature's commands (imported here, not at module import of the features)."""
    from gridloop.entrypoints.cli import core, dispatch, geo, model, triage
    from gridloop.knowledge import cli as knowledge

    for module in (core, geo, dispatch, model, triage, knowledge):
        module.register(app)


def main() -> None:
    """Console-script entry point: run the CLI, turning known errors into one line and a non-zero exit."""
    from gridloop.entrypoints.cli.errors import run_cli

    _register()
    sys.exit(run_cli(app))
