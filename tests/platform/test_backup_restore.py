"""Restore drill: a backup taken while reports keep arriving restores to a database whose audit chain holds."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gridloop.bootstrap import build_container
from gridloop.cases.services import audit
from gridloop.cases.tables import CaseEventRow, CaseRow
from gridloop.config import Settings
from gridloop.platform.db.backup import BackupError, backup, restore
from tests.conftest import PG_URL
from tests.factories import case_body

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the PostgreSQL drill needs pg_dump; SQLite here")


def _counts(container):
    with container.uow() as uow:
        cases = uow.session.scalar(select(func.count()).select_from(CaseRow))
        received = uow.session.scalar(
            select(func.count()).select_from(CaseEventRow).where(CaseEventRow.action == "receive")
        )
        return cases, received, {n for n in uow.session.scalars(select(CaseRow.number))}


def test_a_backup_taken_under_load_restores_to_a_database_that_verifies(container, as_user, tmp_path: Path):
    api = as_user("operator")
    acknowledged: list[str] = []
    for i in range(10):
        acknowledged.append(api.post("/api/v1/cases", json=case_body(title=f"先前{i}")).json()["number"])
    stop = threading.Event()
    during: list[str] = []

    def keep_reporting() -> None:
        i = 0
        while not stop.is_set() and i < 200:
            r = api.post("/api/v1/cases", json=case_body(title=f"备份中{i}"))
            assert r.status_code == 201, r.text
            during.append(r.json()["number"])
            i += 1

    writer = threading.Thread(target=keep_reporting)
    writer.start()
    while len(during) < 5:
        threading.Event().wait(0.05)
    before_backup = set(acknowledged) | set(during)
    backup(container.uow.engine, tmp_path / "drill.db")
    stop.set()
    writer.join()

    restored = build_container(Settings(database_url=f"sqlite:///{tmp_path / 'restored.db'}", triage_enabled=False))
    restore(restored.uow.engine, tmp_path / "drill.db")
    with restored.uow() as uow:
        verdict = audit.verify(uow.session)
    assert verdict.ok, verdict
    cases, received, numbers = _counts(restored)
    assert cases == received  # every case has its receive event, nothing half-written
    assert before_backup <= numbers  # lost = 0: every report acknowledged before the backup began is there
    live_cases, _, _ = _counts(container)
    assert len(before_backup) <= cases <= live_cases
    restored.uow.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(container, tmp_path: Path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello", encoding="utf-8")
    with pytest.raises(BackupError):
        restore(container.uow.engine, bogus)


def test_backup_and_restore_commands(db_url, as_user, tmp_path: Path):
    as_user("operator").post("/api/v1/cases", json=case_body())
    file = tmp_path / "cli.db"
    run = [sys.executable, "-m", "gridloop", "db"]
    made = subprocess.run([*run, "backup", str(file), "--db", db_url], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and file.stat().st_size > 0, made.stderr
    target = f"sqlite:///{tmp_path / 'other.db'}"
    back = subprocess.run(
        [*run, "restore", str(file), "--yes", "--db", target], capture_output=True, text=True, timeout=120
    )
    assert back.returncode == 0 and "intact" in back.stderr, back.stderr
