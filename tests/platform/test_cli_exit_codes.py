"""The command line's exit code: a command that exits with a code keeps it; success is 0."""

from __future__ import annotations

import typer

from gridloop.platform.cli.errors import run_cli


def _app(code: int | None) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def go() -> None:
        if code is not None:
            raise typer.Exit(code)

    @app.command()
    def other() -> None:  # two commands, so the name is read as a sub-command
        pass

    return app


def test_a_command_that_exits_with_a_code_keeps_it(monkeypatch):
    monkeypatch.setattr("sys.argv", ["gridloop", "go"])
    assert run_cli(_app(2)) == 2


def test_a_command_that_ends_normally_or_exits_0_gives_0(monkeypatch):
    monkeypatch.setattr("sys.argv", ["gridloop", "go"])
    assert run_cli(_app(None)) == 0
    assert run_cli(_app(0)) == 0
