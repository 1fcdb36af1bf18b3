"""Turning errors into one clear line and an exit code; never a traceback for expected failures."""

from __future__ import annotations

import sys

import click
import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from gridloop.domain.errors import DomainError

EXIT_CODES = {"invalid-input": 2, "not-found": 3, "forbidden": 4, "unauthenticated": 4, "conflict": 5}


def run_cli(app: typer.Typer) -> int:
    """Run the Typer app and map errors to (message, exit code)."""
    try:
        app(standalone_mode=False)
    except click.exceptions.Abort:
        print("gridloop: aborted", file=sys.stderr)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except DomainError as exc:
        extra = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        print(f"gridloop: {exc.detail}{' — ' + extra if extra else ''}", file=sys.stderr)
        return EXIT_CODES.get(exc.code, 1)
    except OperationalError as exc:
        print(
            f"gridloop: database error: {exc.orig}. Is the database URL right, and was `gridloop db upgrade` run?",
            file=sys.stderr,
        )
        return 6
    except SQLAlchemyError as exc:
        print(f"gridloop: database error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 6
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        print(f"gridloop: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gridloop: interrupted", file=sys.stderr)
        return 130
    return 0
