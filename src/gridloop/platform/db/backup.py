"""Backups and restores: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore could not be made (a missing tool, a file that is not a backup …)."""


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as pg_dump understands it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client (e.g. apt-get install postgresql-client)"
        )
    return found


def _sqlite_path(engine: Engine) -> str:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def backup(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the database to `target` while it keeps serving (SQLite: one snapshot through the
    online backup API; PostgreSQL: pg_dump's custom format, one transaction)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine), timeout=30)
        partial = target.with_name(target.name + ".partial")
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest)  # all pages in one step: a single consistent snapshot
            finally:
                dest.close()
        finally:
            source.close()
        partial.replace(target)
        return target
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq_url(engine)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}")
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup` (stop the server first)."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if engine.dialect.name == "sqlite":
        with source.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not a SQLite backup")
        engine.dispose()
        src = sqlite3.connect(source)
        dest = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    engine.dispose()
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={_libpq_url(engine)}", str(source)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1] if result.stderr else ''}")
