"""Turning errors into one clear line and an exit code; never a traceback (set GRIDLOOP_DEBUG=1 to see one)."""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from gridloop.kernel.errors import DomainError

EXIT_CODES = {"invalid-input": 2, "not-found": 3, "forbidden": 4, "unauthenticated": 4, "conflict": 5}


def _say(message: str) -> None:
    print(f"gridloop: {message}", file=sys.stderr)


def run_cli(app: typer.Typer) -> int:
    """Run the Typer app and map errors to (one line on stderr, exit code)."""
    try:
        # with standalone_mode off, Click returns the code of a `typer.Exit(n)` instead of raising it
        returned = app(standalone_mode=False)
    except typer.Abort:
        _say("aborted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.BadParameter as exc:
        _say(f"invalid value{f' for {exc.param_hint}' if exc.param_hint else ''}: {exc.message}")
        return 2
    except DomainError as exc:
        extra = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        _say(f"{exc.detail}{' — ' + extra if extra else ''}")
        return EXIT_CODES.get(exc.code, 1)
    except OperationalError as exc:
        text = str(exc.orig).strip()
        first = text.splitlines()[0] if text else type(exc.orig).__name__
        _say(f"database error: {first} — is the database URL right, and was `gridloop db upgrade` run?")
        return 6
    except SQLAlchemyError as exc:
        _say(f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        return 6
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        _say(str(exc))
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # Typer/Click usage errors
            exc.show()
            return int(exc.exit_code)
        if os.environ.get("GRIDLOOP_DEBUG"):
            raise
        _say(f"unexpected error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return 1
    return returned if isinstance(returned, int) and not isinstance(returned, bool) else 0
