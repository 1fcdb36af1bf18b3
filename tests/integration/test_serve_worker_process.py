"""`gridloop serve` triages in a child worker process by default (GRIDLOOP_TRIAGE_WORKER_MODE=process): a POSTed
report is triaged by it, a killed worker is started again, and stopping the server (SIGTERM or SIGKILL) leaves no
worker behind."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gridloop.bootstrap import build_container
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.platform.childproc import children_of
from gridloop.platform.org.services import org
from tests.factories import case_body

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads children from /proc")
#: Seconds a cold server and its worker may take to start on a busy 2-core machine.
START = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(check: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    token: str
    log: Path

    def worker(self) -> int | None:
        kids = [p for p in children_of(self.proc.pid) if _alive(p)]
        return kids[0] if len(kids) == 1 else None

    def post(self, text: str) -> dict[str, object]:
        r = httpx.post(f"{self.url}/api/v1/cases", json=case_body(text=text),
                       headers={"Authorization": f"Bearer {self.token}"}, timeout=30)  # fmt: skip
        assert r.status_code == 201, r.text
        return dict(r.json())

    def triaged(self, case_id: object) -> bool:
        r = httpx.get(f"{self.url}/api/v1/cases/{case_id}?wait=2", headers={"Authorization": f"Bearer {self.token}"},
                      timeout=30)  # fmt: skip
        return bool(r.json()["triage_status"] == "done")


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    if not db_url.startswith("sqlite"):
        pytest.skip("one server on its SQLite file (the PostgreSQL pass covers the separate worker processes)")
    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    with container.uow() as uow:
        load_demo_catalogue(uow, now=container.deps.clock.now())
    with container.uow() as uow:
        token = org.create_token(uow.session, username="operator", now=container.deps.clock.now())
        uow.commit()
    container.uow.engine.dispose()
    port = _free_port()
    env = {**os.environ, "GRIDLOOP_SECRET_KEY": secrets.token_hex(32), "GRIDLOOP_TRIAGE_ENABLED": "false",
           "GRIDLOOP_AUTO_DISPATCH_THRESHOLD": "0.0"}  # fmt: skip
    env.pop("GRIDLOOP_TRIAGE_WORKER_MODE", None)  # the default
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gridloop.cli", "serve", "--db", db_url, "--port", str(port),
                                 "--no-supervision"], env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    made = Server(proc, f"http://127.0.0.1:{port}", token, log)
    try:

        def healthy() -> bool:
            assert proc.poll() is None, f"serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{made.url}/healthz", timeout=2).status_code == 200
            return False

        _until(healthy, START, "serve answers /healthz")
        yield made
    finally:
        kids = children_of(proc.pid) if proc.poll() is None else []
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_serve_triages_in_a_worker_process_that_is_restarted_when_killed(server: Server) -> None:
    _until(server.worker, 30, "serve started one worker child")
    first = server.worker()
    assert first is not None
    assert os.getpriority(os.PRIO_PROCESS, first) > os.getpriority(os.PRIO_PROCESS, server.proc.pid), \
        "the worker runs at a lower CPU priority than the server"  # fmt: skip
    case = server.post("武宁路1号门口路灯不亮")
    _until(lambda: server.triaged(case["id"]), START, "the worker process triaged the report")
    os.kill(first, signal.SIGKILL)
    _until(lambda: server.worker() not in (None, first), 30, "the killed worker was started again")
    again = server.post("武宁路2号门口路灯不亮")
    _until(lambda: server.triaged(again["id"]), START, "the restarted worker triaged the next report")
    assert "exited with -9; restarting" in server.log.read_text(), "the restart is in serve's output"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_serve_leaves_no_worker_process(server: Server, how: signal.Signals) -> None:
    _until(server.worker, 30, "serve started one worker child")
    pid = server.worker()
    assert pid is not None
    time.sleep(1)  # the worker is past its start
    server.proc.send_signal(how)
    server.proc.wait(30)
    _until(lambda: not _alive(pid), 30, f"the worker ended with serve ({how.name})")
