"""The `gridloop` command (wiring): every capability adds its commands in its own `cli.py`, registered here."""

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
    """Attach every capability's commands (imported here, not at module import of the capabilities)."""
    from gridloop import commands
    from gridloop.bootstrap import build_container
    from gridloop.cases import cli as cases
    from gridloop.demo import cli as demo
    from gridloop.dispatch import cli as dispatch
    from gridloop.drills import cli as drills
    from gridloop.emergency import cli as emergency
    from gridloop.exportcontrol import cli as exportcontrol
    from gridloop.geo import cli as geo
    from gridloop.interchange import cli as interchange
    from gridloop.knowledge import cli as knowledge
    from gridloop.open311 import cli as open311
    from gridloop.participation import cli as participation
    from gridloop.petitions import cli as petitions
    from gridloop.platform.cli import common, org, outbox
    from gridloop.triage.cli import model, triage

    common.use_container_factory(build_container)
    if app.registered_commands or app.registered_groups:
        return
    for module in (
        commands,
        demo,
        org,
        cases,
        geo,
        dispatch,
        model,
        triage,
        exportcontrol,
        outbox,
        knowledge,
        petitions,
        participation,
        open311,
        emergency,
        interchange,
        drills,
    ):
        module.register(app)


def main() -> None:
    """Console-script entry point: run the CLI, turning known errors into one line and a non-zero exit."""
    from gridloop.platform.cli.errors import run_cli

    _register()
    sys.exit(run_cli(app))


if __name__ == "__main__":
    main()
