"""The command line: one clear line on errors, non-zero exit codes, the core commands working."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gridloop.org.services import org

CLI = [sys.executable, "-m", "gridloop"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_token_create_for_unknown_user_prints_one_line_and_exits_non_zero(db_url):
    r = run("token", "create", "--user", "nobody", "--db", db_url)
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0 and "nobody" in r.stderr and "Traceback" not in r.stderr


def test_user_add_with_bad_role_names_the_allowed_roles(db_url):
    r = run("user", "add", "x1", "--role", "king", "--unit", "310107", "--db", db_url)
    assert r.returncode == 2 and "operator" in r.stderr and "Traceback" not in r.stderr


def test_user_add_then_token_create_prints_a_token(db_url):
    assert run("user", "add", "newop", "--role", "operator", "--unit", "310107", "--db", db_url).returncode == 0
    r = run("token", "create", "--user", "newop", "--db", db_url)
    assert r.returncode == 0 and r.stdout.startswith("glp_")


def test_case_show_and_export_respect_masking(db_url, container, as_user):
    from tests.factories import case_body

    number = as_user("operator").post("/api/v1/cases", json=case_body()).json()["number"]
    shown = json.loads(run("case", "show", number, "--as", "operator", "--db", db_url).stdout)
    assert shown["reporter"]["phone"] == "13812345678" and shown["timeline"][0]["action"] == "receive"
    masked = json.loads(run("case", "show", number, "--as", "supervisor", "--db", db_url).stdout)
    assert masked["reporter"]["phone"] == "138****5678"
    out = run("export", "cases", "--format", "jsonl", "--as", "operator", "--db", db_url)
    assert out.returncode == 0 and json.loads(out.stdout.splitlines()[0])["number"] == number


def test_unreachable_database_is_one_line(tmp_path):
    r = run("case", "show", "SH1", "--db", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    assert r.returncode != 0 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["xml"])
def test_export_with_unknown_format_is_refused(db_url, fmt):
    r = run("export", "cases", "--format", fmt, "--db", db_url)
    assert r.returncode == 2 and "csv or jsonl" in r.stderr


def test_demo_builds_a_small_city_with_cases_in_every_state(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    r = run("demo", "--db", db, "--cases", "300")
    assert r.returncode == 0, r.stderr
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(text("SELECT DISTINCT status FROM cases"))}
    engine.dispose()
    assert {"received", "dispatched", "signed", "in_progress", "closed", "merged"} <= statuses
    assert "admin" in r.stderr and "gridloop-demo" in r.stderr


def test_org_service_refuses_duplicate_username(container, clock):
    from gridloop.kernel.errors import InvalidInput
    from gridloop.kernel.org import Role

    with container.uow() as uow, pytest.raises(InvalidInput):
        org.create_user(uow.session, username="operator", role=Role.OPERATOR, unit_code="310000", now=clock.now())


def test_init_creates_the_schema_and_seed_data_once(tmp_path):
    db = f"sqlite:///{tmp_path / 'new.db'}"
    first = run("init", "--db", db)
    assert first.returncode == 0 and "11 rows added" in first.stderr, first.stderr
    again = run("init", "--db", db)
    assert again.returncode == 0 and "0 rows added" in again.stderr
