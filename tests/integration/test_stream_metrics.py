"""`/metrics` exports the lag of the JetStream consumers (`triage` of the intake stream, `monitoring` of the
readings stream when it exists) and whether the server answered, without holding a scrape up when NATS is down.
Needs GRIDLOOP_TEST_NATS_URL for the live part (fails under CI=true when unset, skips otherwise)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gridloop.bootstrap import build_container, create_app
from gridloop.config import Settings
from gridloop.platform.stream import INTAKE_DURABLE, StreamClient, Subjects

NATS_URL = os.environ.get("GRIDLOOP_TEST_NATS_URL")


@pytest.fixture
def nats_url() -> str:
    if not NATS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("GRIDLOOP_TEST_NATS_URL is not set (CI must start nats-server -js)")
        pytest.skip("GRIDLOOP_TEST_NATS_URL not set")
    return NATS_URL


@pytest.fixture
def prefix(nats_url: str) -> Iterator[str]:
    name = f"wtlag{uuid.uuid4().hex[:8]}"
    yield name
    client = StreamClient(nats_url)
    with contextlib.suppress(Exception):
        client.delete_stream(Subjects(name).intake_stream)
    client.close()


def _app(db_url: str, **settings: object) -> TestClient:
    container = build_container(Settings(database_url=db_url, triage_enabled=False, **settings))  # type: ignore[arg-type]
    return TestClient(create_app(container=container))


def _gauge(text: str, name: str, stream: str) -> float | None:
    m = re.search(rf'^{name}{{consumer="{INTAKE_DURABLE}",stream="{stream}"}} (\S+)$', text, re.M)
    return float(m.group(1)) if m else None


def test_metrics_export_the_intake_consumers_pending_and_unacked_messages(db_url, nats_url, prefix):
    subjects = Subjects(prefix)
    client = StreamClient(nats_url)
    client.ensure_stream(subjects.intake_stream, [subjects.intake()])
    consumer = client.pull(subjects.intake_stream, INTAKE_DURABLE, subjects.intake())
    for n in range(5):
        client.publish(subjects.intake("phone"), str(n).encode())
    fetched = consumer.fetch(2, timeout=2)  # delivered, not acked
    assert len(fetched) == 2
    with _app(db_url, nats_url=nats_url, nats_prefix=prefix) as app:
        text = app.get("/metrics").text
        assert "gridloop_stream_up 1.0" in text, text
        pending = _gauge(text, "gridloop_stream_consumer_pending", subjects.intake_stream)
        unacked = _gauge(text, "gridloop_stream_consumer_ack_pending", subjects.intake_stream)
        assert (pending, unacked) == (3.0, 2.0), text
        assert "monitoring" not in text, "a consumer that does not exist is absent"
        for m in fetched:
            m.ack()
        app.app.state.stream_lag_probe.every = 0  # the next scrapes read again (in the background)
        deadline = time.monotonic() + 5
        while _gauge(app.get("/metrics").text, "gridloop_stream_consumer_ack_pending", subjects.intake_stream) != 0.0:
            assert time.monotonic() < deadline, "the acks never showed"
            time.sleep(0.1)
    client.close()


def test_metrics_answer_at_once_with_the_stream_down_when_nats_is_unreachable(db_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with _app(db_url, nats_url=f"nats://127.0.0.1:{port}") as app:
        started = time.monotonic()
        first = app.get("/metrics")
        first_seconds = time.monotonic() - started
        started = time.monotonic()
        again = [app.get("/metrics") for _ in range(5)]
        again_seconds = (time.monotonic() - started) / 5
    assert first.status_code == 200 and "gridloop_stream_up 0.0" in first.text, first.text
    assert "gridloop_stream_consumer_pending{" not in first.text
    assert "gridloop_triage_queue_depth" in first.text, "the database figures are still there"
    assert first_seconds < 2.0, f"the first scrape took {first_seconds:.2f} s"
    assert all(r.status_code == 200 for r in again) and again_seconds < 0.5, f"{again_seconds:.2f} s a scrape"


def test_metrics_have_no_stream_gauges_without_nats(db_url):
    with _app(db_url) as app:
        text = app.get("/metrics").text
    assert "gridloop_stream_up" not in text and "gridloop_triage_queue_depth" in text
