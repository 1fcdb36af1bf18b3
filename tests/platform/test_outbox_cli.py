"""`gridloop outbox list|retry|deliver`: an admin sees delivery state, retries dead messages, delivers."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import update

from gridloop.kernel.ports import Notice
from gridloop.platform.db.outbox import OutboxRow

CLI = [sys.executable, "-m", "gridloop"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_an_admin_lists_retries_and_delivers_dead_messages(db_url, container):
    with container.uow() as uow:
        container.deps.outbox.enqueue(
            uow.session,
            Notice(kind="supervision", title="督办", body="", case_number="SH1"),
            now=container.deps.clock.now(),
        )
        uow.session.flush()
        uow.session.execute(update(OutboxRow).values(state="dead", attempts=8, last_error="HTTPStatusError: 503"))
        uow.commit()
    listed = run("outbox", "list", "--state", "dead", "--json", "--db", db_url)
    assert listed.returncode == 0, listed.stderr
    [item] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (item["state"], item["attempts"], item["case_number"], item["last_error"]) == (
        "dead", 8, "SH1", "HTTPStatusError: 503"
    )  # fmt: skip
    assert run("outbox", "retry", "--dead", "--db", db_url).stdout.startswith("1 message(s) due again")
    delivered = run("outbox", "deliver", "--db", db_url)
    assert json.loads(delivered.stdout)["sent"] == 1, delivered.stderr
    table = run("outbox", "list", "--db", db_url).stdout
    assert "sent" in table and "totals: sent=1" in table


def test_outbox_list_names_the_states_when_given_an_unknown_one(db_url):
    r = run("outbox", "list", "--state", "lost", "--db", db_url)
    assert r.returncode != 0 and "pending" in r.stderr and "Traceback" not in r.stderr
