"""With GRIDLOOP_NATS_URL: stored reports are relayed to JetStream after commit and consumed by workers sharing
the durable consumer `triage`; every report is triaged exactly once. Needs GRIDLOOP_TEST_NATS_URL (fails under
CI=true when unset, skips otherwise); each test uses its own subject prefix."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from gridloop.bootstrap import build_container
from gridloop.cases import jobs
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseEventRow, CaseRow, TriageQueueRow
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.platform.org.services import org
from gridloop.platform.stream import StreamClient, Subjects
from tests.factories import PUTUO_GRID

NATS_URL = os.environ.get("GRIDLOOP_TEST_NATS_URL")


@pytest.fixture
def nats_url() -> str:
    if not NATS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("GRIDLOOP_TEST_NATS_URL is not set (CI must start nats-server -js)")
        pytest.skip("GRIDLOOP_TEST_NATS_URL not set")
    return NATS_URL


@pytest.fixture
def prefix(nats_url: str):
    name = f"wtpipe{uuid.uuid4().hex[:8]}"
    yield name
    client = StreamClient(nats_url)
    with contextlib.suppress(Exception):
        client.delete_stream(Subjects(name).intake_stream)
    client.close()


def test_subjects_follow_the_agreed_names():
    s = Subjects("city")
    assert (s.intake_stream, s.intake("phone"), s.intake()) == ("CITY_INTAKE", "city.intake.report.phone",
                                                                "city.intake.report.*")  # fmt: skip
    assert (s.readings_stream, s.reading("water_level", "st.01")) == (
        "CITY_READINGS",
        "city.readings.water_level.st_01",
    )


def _wait(pred, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def test_reports_flow_through_jetstream_and_are_triaged_exactly_once(db_url, nats_url, prefix):
    settings = Settings(database_url=db_url, triage_enabled=False, nats_url=nats_url, nats_prefix=prefix,
                        triage_worker_threads=0, triage_poll_seconds=0.2, triage_batch_size=10)  # fmt: skip
    api = build_container(settings)
    workers = [build_container(settings), build_container(settings)]
    with api.uow() as uow:
        load_demo_catalogue(uow, now=api.deps.clock.now())
    with api.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    stop = threading.Event()
    try:
        jobs.start_pipeline(api, stop=stop)  # the relay only (no embedded workers)
        for w in workers:  # two worker "processes" sharing the durable consumer
            jobs.start_workers(w, stop=stop, threads=1)
        n = 40
        for i in range(n):
            with api.uow() as uow:
                receive(uow, actor, NewCase(text=f"路灯不亮第{i}盏", category="城乡建设", area_code=PUTUO_GRID),
                        deps=api.deps)  # fmt: skip

        def finished() -> bool:
            with api.uow() as uow:
                q = select(func.count()).select_from(CaseRow).where(CaseRow.triage_status == "done")
                return int(uow.session.scalar(q)) == n

        assert _wait(finished, 60), "every report triaged through the stream"
        with api.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(TriageQueueRow)) == 0
            q = select(CaseEventRow.case_id, func.count()).where(CaseEventRow.action == "dispatch")
            per_case = {cid: k for cid, k in uow.session.execute(q.group_by(CaseEventRow.case_id)).all()}
        assert len(per_case) == n and set(per_case.values()) == {1}
    finally:
        stop.set()
        time.sleep(0.5)


def test_a_message_naming_no_report_is_acked_and_the_stream_goes_on(db_url, nats_url, prefix):
    settings = Settings(database_url=db_url, triage_enabled=False, nats_url=nats_url, nats_prefix=prefix,
                        triage_worker_threads=0, triage_poll_seconds=0.2, triage_batch_size=10)  # fmt: skip
    api = build_container(settings)
    worker = build_container(settings)
    with api.uow() as uow:
        load_demo_catalogue(uow, now=api.deps.clock.now())
    with api.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    subjects = Subjects(prefix)
    client = StreamClient(nats_url)
    client.ensure_stream(subjects.intake_stream, [subjects.intake()])
    client.publish(subjects.intake("phone"), b"not-a-case", msg_id="garbage-1")
    stop = threading.Event()
    try:
        jobs.start_pipeline(api, stop=stop)
        jobs.start_workers(worker, stop=stop, threads=1)
        with api.uow() as uow:
            receive(uow, actor, NewCase(text="路灯不亮", category="城乡建设", area_code=PUTUO_GRID), deps=api.deps)

        def finished() -> bool:
            with api.uow() as uow:
                return uow.session.scalar(select(func.count()).select_from(TriageQueueRow)) == 0

        assert _wait(finished, 20), "the report behind the malformed message is still triaged"
    finally:
        stop.set()
        client.close()
        time.sleep(0.5)
