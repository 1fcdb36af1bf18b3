"""Two `gridloop serve` processes and two `gridloop worker triage` processes on one PostgreSQL database and one
JetStream prefix answer the API as one process does: intake answers 201 pending, `?wait=` sees the workers'
result, a report taken by one server is found as the duplicate of one taken by the other, the closed loop runs
with each step sent to the other server, lists agree, login throttling counts refused attempts of both servers,
and a role changed through one server is seen by the other within the reload interval.

Needs PostgreSQL (GRIDLOOP_TEST_PG_URL: the `make test-db` pass; skipped on SQLite) and GRIDLOOP_TEST_NATS_URL
(fails under CI=true when unset, skips otherwise)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridloop.bootstrap import build_container
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.platform.org.services import org
from gridloop.platform.stream import StreamClient, Subjects
from tests.conftest import database_from
from tests.factories import PUTUO_GRID, case_body
from tests.web_helpers import csrf_of

pytestmark = pytest.mark.db
NATS_URL = os.environ.get("GRIDLOOP_TEST_NATS_URL")
RELOAD = 0.5
#: Seconds four cold processes may take to start on a busy 2-core machine (≈ 20 s on a quiet one).
START = 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """The URLs of the API processes, a bearer token per demo user, the processes and their logs."""

    urls: list[str]
    tokens: dict[str, str]
    procs: list[subprocess.Popen[bytes]]
    logs: list[Path]
    db_url: str

    def api(self, n: int, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[n % 2], headers={"Authorization": f"Bearer {self.tokens[user]}"},
                            timeout=30)  # fmt: skip

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server on {url} exited with {proc.returncode}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server on {url} did not answer /healthz within {seconds} s")


def _wait_workers(cluster: Cluster, seconds: float) -> None:
    """Both workers started their consumers, and a first report went through (cold start: imports, the model)."""
    deadline = time.monotonic() + seconds
    for proc, log in zip(cluster.procs[2:], cluster.logs[2:], strict=True):
        while "triage workers running" not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"the worker {log.name} exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"the worker {log.name} did not start within {seconds} s"
            time.sleep(0.2)
    case = _create(cluster.api(0, "operator"), **case_body(text="武宁路1号门口路灯不亮（先热身）"))
    while cluster.api(1, "operator").get(f"/api/v1/cases/{case['id']}").json()["triage_status"] == "pending":
        assert time.monotonic() < deadline, f"the first report was not triaged within {seconds} s"
        time.sleep(0.2)


@pytest.fixture
def cluster(_template: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if isinstance(_template, Path):
        pytest.skip("several processes on one database: PostgreSQL only (the `make test-db` pass)")
    if not NATS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("GRIDLOOP_TEST_NATS_URL is not set (CI must start nats-server -js)")
        pytest.skip("GRIDLOOP_TEST_NATS_URL not set")
    from gridloop.triage.adapters.models import train_seed

    folder = tmp_path_factory.mktemp("scaleout")
    model = folder / "seed.joblib"
    train_seed().save(model)
    prefix = f"scaleout{uuid.uuid4().hex[:8]}"
    with database_from(_template, folder) as db_url:
        container = build_container(Settings(database_url=db_url, triage_enabled=False))
        with container.uow() as uow:
            load_demo_catalogue(uow, now=container.deps.clock.now())
        tokens = {}
        with container.uow() as uow:
            for user in ("operator", "dispatcher", "putuo_housing", "admin"):
                tokens[user] = org.create_token(uow.session, username=user, now=container.deps.clock.now())
            uow.commit()
        container.uow.engine.dispose()
        env = {**os.environ, "GRIDLOOP_SECRET_KEY": secrets.token_hex(32), "GRIDLOOP_NATS_URL": NATS_URL,
               "GRIDLOOP_NATS_PREFIX": prefix, "GRIDLOOP_MODEL_PATH": str(model),
               "GRIDLOOP_AUTO_DISPATCH_THRESHOLD": "0.0", "GRIDLOOP_TRIAGE_POLL_SECONDS": "0.2",
               "GRIDLOOP_TRIAGE_BATCH_SIZE": "10", "GRIDLOOP_RELOAD_CHECK_SECONDS": str(RELOAD),
               "GRIDLOOP_TRIAGE_WORKER_THREADS": "0"}  # fmt: skip
        ports = [_free_port(), _free_port()]
        commands = [["serve", "--db", db_url, "--port", str(p)] for p in ports]
        commands += [["worker", "triage", "--db", db_url]] * 2
        procs: list[subprocess.Popen[bytes]] = []
        logs = []
        try:
            for n, args in enumerate(commands):
                log = folder / f"{args[0]}-{n}.log"
                logs.append(log)
                with log.open("wb") as out:
                    procs.append(subprocess.Popen([sys.executable, "-m", "gridloop.cli", *args], env=env,
                                                  stdout=out, stderr=subprocess.STDOUT))  # fmt: skip
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            made = Cluster(urls, tokens, procs, logs, db_url)
            try:
                for url, proc in zip(urls, procs, strict=False):
                    _wait_healthy(url, proc, START)
                _wait_workers(made, START)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{made.tail()}") from None
            yield made
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            client = StreamClient(NATS_URL)
            with contextlib.suppress(Exception):
                client.delete_stream(Subjects(prefix).intake_stream)
            client.close()


def _create(api: httpx.Client, **body: Any) -> dict[str, Any]:
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _triaged(api: httpx.Client, case_id: int) -> dict[str, Any]:
    r = api.get(f"/api/v1/cases/{case_id}", params={"wait": 10})
    assert r.status_code == 200, r.text
    case = dict(r.json())
    assert case["triage_status"] != "pending", f"case {case_id} still pending after ?wait=10"
    return case


def _reports_taken_by_both_servers_are_answered_pending_and_triaged_by_the_workers(cluster: Cluster) -> None:
    made = [_create(cluster.api(n, "operator"), **case_body(text=f"长寿路{200 + n}号门口路灯不亮第{n}天了"))
            for n in range(8)]  # fmt: skip
    assert [c["triage_status"] for c in made] == ["pending"] * 8, "acknowledged before triage"
    assert len({c["number"] for c in made}) == 8, "case numbers are unique across servers"
    for n, case in enumerate(made):
        done = _triaged(cluster.api(n + 1, "operator"), case["id"])  # asked of the other server
        assert done["triage_status"] == "done" and done["status"] == "dispatched", done


def _a_report_taken_by_one_server_is_merged_into_a_duplicate_taken_by_the_other(cluster: Cluster) -> None:
    text = "长寿路500弄3号楼楼上人家漏水，我家天花板一直在滴水，墙皮都泡起来了"
    first = _create(cluster.api(0, "operator"), text=text, area_code=PUTUO_GRID)
    _triaged(cluster.api(0, "operator"), first["id"])
    second = _create(cluster.api(1, "operator"), text="来电人反映长寿路500弄3号楼一户顶面渗水严重，要求尽快协调处理",
                     area_code=PUTUO_GRID)  # fmt: skip
    detail = _triaged(cluster.api(0, "operator"), second["id"])
    assert detail["status"] == "merged" and detail["parent_case_id"] == first["id"], detail


def _the_closed_loop_runs_with_each_step_sent_to_the_other_server(cluster: Cluster) -> None:
    case = _create(cluster.api(0, "operator"), **case_body(text="曹杨路某小区5号楼楼道墙面渗水严重，物业不处理"))
    case = _triaged(cluster.api(1, "operator"), case["id"])
    if case["status"] == "received":
        r = cluster.api(1, "dispatcher").post(f"/api/v1/cases/{case['id']}/actions",
                                              json={"action": "dispatch", "unit": "310107-FG"})  # fmt: skip
        assert r.status_code == 200, r.text
    handler = [("sign", {}), ("first_contact", {"note": "已电话联系"}), ("reply", {"reply": "已修复"})]
    desk = [("approve_reply", {}), ("callback", {"satisfaction": "satisfied", "solved": True}), ("close", {})]
    steps = [("putuo_housing", *s) for s in handler] + [("operator", *s) for s in desk]
    for n, (user, action, inputs) in enumerate(steps):
        r = cluster.api(n, user).post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, **inputs})
        assert r.status_code == 200, f"{action} on server {n % 2}: {r.text}"
    timelines = [cluster.api(n, "operator").get(f"/api/v1/cases/{case['id']}/timeline").json()["items"]
                 for n in (0, 1)]  # fmt: skip
    assert timelines[0] == timelines[1]
    assert [e["action"] for e in timelines[0]][-len(steps) :] == [s[1] for s in steps]
    lists = [cluster.api(n, "operator").get("/api/v1/cases", params={"status": "closed", "district": "310107"}).json()
             for n in (0, 1)]  # fmt: skip
    assert lists[0]["items"] == lists[1]["items"] and case["id"] in [c["id"] for c in lists[0]["items"]]


def _refused_logins_on_both_servers_count_against_one_address(cluster: Cluster) -> None:
    clients = [httpx.Client(base_url=url, timeout=30) for url in cluster.urls]
    token = [csrf_of(c.get("/login").text) for c in clients]
    statuses = []
    for n in range(10):  # PASSWORD_LIMITS: 10 a minute from one address, whichever server counts them
        r = clients[n % 2].post("/login", data={"username": f"nobody{n}", "password": "x", "csrf": token[n % 2]})
        statuses.append(r.status_code)
    assert statuses == [401] * 10, statuses
    for c, t in zip(clients, token, strict=True):
        r = c.post("/login", data={"username": "nobody", "password": "x", "csrf": t})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, (c.base_url, r.status_code)


def _a_role_changed_through_one_server_is_seen_by_the_other(cluster: Cluster) -> None:
    other = cluster.api(1, "putuo_housing")
    assert other.get("/api/v1/me").json()["role"] == "handler"  # now in that server's cache
    r = cluster.api(0, "admin").patch("/api/v1/users/putuo_housing", json={"role": "analyst"})
    assert r.status_code == 200, r.text
    try:
        deadline = time.monotonic() + RELOAD + 2
        while other.get("/api/v1/me").json()["role"] != "analyst":
            assert time.monotonic() < deadline, "the other server still answers with the old role"
            time.sleep(0.1)
    finally:
        cluster.api(0, "admin").patch("/api/v1/users/putuo_housing", json={"role": "handler"})


def _both_servers_export_the_stream_lag(cluster: Cluster) -> None:
    for url in cluster.urls:
        body = httpx.get(f"{url}/metrics", timeout=30).text
        assert "gridloop_stream_up 1.0" in body, body
        assert 'gridloop_stream_consumer_pending{consumer="triage"' in body, body


def test_two_servers_and_two_workers_answer_the_api_as_one_process(cluster: Cluster) -> None:
    """One cluster (four processes take a while to start), the scenarios in turn; a failure names its scenario."""
    scenarios = [_reports_taken_by_both_servers_are_answered_pending_and_triaged_by_the_workers,
                 _a_report_taken_by_one_server_is_merged_into_a_duplicate_taken_by_the_other,
                 _the_closed_loop_runs_with_each_step_sent_to_the_other_server,
                 _refused_logins_on_both_servers_count_against_one_address,
                 _a_role_changed_through_one_server_is_seen_by_the_other,
                 _both_servers_export_the_stream_lag]  # fmt: skip
    failed = []
    for scenario in scenarios:
        started = time.monotonic()
        try:
            scenario(cluster)
        except AssertionError as exc:
            failed.append(f"{scenario.__name__[1:]}: {exc}")
        print(f"{scenario.__name__[1:]}: {time.monotonic() - started:.1f} s")
    assert not failed, "\n".join(failed) + "\n" + cluster.tail()
