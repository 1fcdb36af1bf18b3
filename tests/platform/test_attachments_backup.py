"""`gridloop db backup` keeps the attachments beside the database, and `restore` puts them back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cases.test_attachments_api import jpeg_with_gps
from tests.conftest import PG_URL
from tests.factories import case_body

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the PostgreSQL drill needs pg_dump; SQLite here")


def test_backup_archives_the_attachments_and_restore_brings_them_back(db_url, as_user, tmp_path: Path):
    operator = as_user("operator")
    case = operator.post("/api/v1/cases", json=case_body()).json()
    r = operator.post(
        f"/api/v1/cases/{case['id']}/attachments", files={"file": ("a.jpg", jpeg_with_gps(), "image/jpeg")}
    )
    assert r.status_code == 201, r.text
    source_files = sorted(p.relative_to(tmp_path / "attachments") for p in (tmp_path / "attachments").rglob("*.*"))
    assert len(source_files) == 2, "the image and its thumbnail are stored beside the database"
    file = tmp_path / "cli.db"
    run = [sys.executable, "-m", "gridloop", "db"]
    made = subprocess.run([*run, "backup", str(file), "--db", db_url], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "cli.db.attachments.tar.gz").exists(), made.stdout + made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    back = subprocess.run(
        [*run, "restore", str(file), "--yes", "--db", f"sqlite:///{elsewhere / 'other.db'}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert back.returncode == 0, back.stderr
    restored = sorted(p.relative_to(elsewhere / "attachments") for p in (elsewhere / "attachments").rglob("*.*"))
    assert restored == source_files
