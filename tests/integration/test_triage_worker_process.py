"""`gridloop worker triage` as a process: killed (SIGKILL) in the middle of its batches, the reports it had leased
are taken over after the lease, and every report ends triaged and dispatched exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from gridloop.bootstrap import build_container
from gridloop.cases.services import triage_queue
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseEventRow, CaseRow, TriageQueueRow
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.platform.org.services import org
from tests.factories import PUTUO_GRID

N = 150
LEASE = 5


def _count(container, q) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(q))


def test_killing_a_worker_process_mid_batch_loses_and_doubles_nothing(db_url):
    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    with container.uow() as uow:
        load_demo_catalogue(uow, now=container.deps.clock.now())
    with container.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    for i in range(N):
        with container.uow() as uow:
            receive(uow, actor, NewCase(text=f"路灯不亮第{i}盏", category="城乡建设", area_code=PUTUO_GRID),
                    deps=container.deps)  # fmt: skip
    done = select(func.count()).select_from(CaseRow).where(CaseRow.triage_status == "done")
    env = {**os.environ, "GRIDLOOP_TRIAGE_ENABLED": "false", "GRIDLOOP_TRIAGE_BATCH_SIZE": "20",
           "GRIDLOOP_TRIAGE_LEASE_SECONDS": str(LEASE)}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "gridloop.cli", "worker", "triage", "--db", db_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(container, done) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # mid-load: no clean shutdown, its lease stays behind
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    finished_by_killed = _count(container, done)
    assert 0 < finished_by_killed < N, "the worker was killed while reports were still pending"
    time.sleep(LEASE + 0.5)
    triage_queue.drain(container.uow, deps=container.deps, worker="survivor")
    assert _count(container, done) == N
    assert _count(container, select(func.count()).select_from(TriageQueueRow)) == 0
    per_case = (
        select(CaseEventRow.case_id, func.count())
        .where(CaseEventRow.action == "dispatch")
        .group_by(CaseEventRow.case_id)
    )
    with container.uow() as uow:
        counts = dict(uow.session.execute(per_case).tuples().all())
    assert len(counts) == N and set(counts.values()) == {1}, "every report dispatched exactly once"
    container.uow.engine.dispose()
