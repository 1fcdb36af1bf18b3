"""Intake acknowledges after one durable write; triage workers finish the report afterwards, in batches, at least
once and idempotently (a worker that dies mid-batch loses and doubles nothing)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridloop.cases.jobs import start_triage_workers
from gridloop.cases.services import triage_queue
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseEventRow, CaseRow, TriageQueueRow
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.events import CaseReceived
from gridloop.platform.org.services import org
from tests.factories import PUTUO_GRID, case_body


@pytest.fixture
def deferred(container, clock):
    """The container as production has it: POST only stores; nothing triages until a worker runs."""
    container.deps.triage_kick = lambda: False
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
    return container


def _operator(container):
    with container.uow() as uow:
        return org.actor_for(org.get_user(uow.session, "operator"))


def _receive_many(container, n: int, **kw) -> list[int]:
    actor, ids = _operator(container), []
    for i in range(n):
        with container.uow() as uow:
            case, _ = receive(uow, actor, NewCase(text=f"路灯不亮第{i}盏", **kw), deps=container.deps)
            ids.append(case.id)
    return ids


def _dispatch_events(container, case_id: int) -> int:
    with container.uow() as uow:
        q = select(func.count()).select_from(CaseEventRow)
        return int(uow.session.scalar(q.where(CaseEventRow.case_id == case_id, CaseEventRow.action == "dispatch")))


def _queue_depth(container) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(TriageQueueRow)))


def test_post_answers_pending_after_storing_the_report_and_its_queue_entry(deferred, as_user):
    r = as_user("operator").post("/api/v1/cases", json=case_body())
    assert r.status_code == 201
    body = r.json()
    assert body["triage_status"] == "pending" and body["status"] == "received" and body["number"]
    assert _queue_depth(deferred) == 1
    timeline = as_user("operator").get(f"/api/v1/cases/{body['id']}/timeline").json()["items"]
    assert [e["action"] for e in timeline] == ["receive"], "the first audit event is written with the report"


def test_a_worker_pass_triages_and_dispatches_the_pending_report(deferred, as_user):
    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    assert triage_queue.drain(deferred.uow, deps=deferred.deps) == 1
    case = as_user("operator").get(f"/api/v1/cases/{case_id}").json()
    assert case["triage_status"] == "done" and case["status"] == "dispatched"
    assert _queue_depth(deferred) == 0
    assert triage_queue.drain(deferred.uow, deps=deferred.deps) == 0, "a finished report is not done again"
    assert _dispatch_events(deferred, case_id) == 1


def test_get_with_wait_returns_once_the_embedded_worker_triaged(deferred, as_user):
    stop = threading.Event()
    deferred.settings = deferred.settings.model_copy(update={"triage_poll_seconds": 0.05})
    try:
        start_triage_workers(deferred, stop=stop, threads=1)
        case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
        case = as_user("operator").get(f"/api/v1/cases/{case_id}?wait=2").json()
        assert case["triage_status"] == "done" and case["status"] == "dispatched"
    finally:
        stop.set()


@pytest.mark.parametrize("wait", ["-1", "11", "soon"])
def test_wait_is_bounded_and_validated(deferred, as_user, wait):
    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    r = as_user("operator").get(f"/api/v1/cases/{case_id}?wait={wait}")
    assert r.status_code == 422


def test_a_worker_that_dies_mid_batch_loses_and_doubles_nothing(deferred, clock):
    ids = _receive_many(deferred, 6, category="城乡建设", area_code=PUTUO_GRID)
    with deferred.uow() as uow:
        lease = triage_queue.claim(uow, deps=deferred.deps, worker="doomed", limit=10)
    assert [i.case_id for i in lease.items] == ids
    for item in lease.items[:2]:  # the worker finishes two reports, then dies
        with deferred.uow() as uow:
            assert triage_queue.finish(uow, item, None, token=lease.token, deps=deferred.deps)
    assert triage_queue.drain(deferred.uow, deps=deferred.deps) == 0, "the rest stays leased to the dead worker"
    clock.advance(seconds=triage_queue.DEFAULT_LEASE.total_seconds() + 1)
    assert triage_queue.drain(deferred.uow, deps=deferred.deps) == 4, "after the lease another worker takes them"
    with deferred.uow() as uow:  # the dead worker's late write of a report taken over is refused
        assert not triage_queue.finish(uow, lease.items[3], None, token=lease.token, deps=deferred.deps)
    assert [_dispatch_events(deferred, i) for i in ids] == [1] * 6
    with deferred.uow() as uow:
        statuses = uow.session.execute(select(CaseRow.triage_status, CaseRow.status)).all()
    assert set(statuses) == {("done", "dispatched")} and _queue_depth(deferred) == 0


def test_an_operator_routed_report_is_dispatched_before_the_model_runs_on_the_batch(deferred):
    heard: list[int] = []
    deferred.deps.events.subscribe(CaseReceived, 95, lambda _s, e, _d: heard.append(e.case_id), isolated=True)
    unrouted = _receive_many(deferred, 2)
    routed = _receive_many(deferred, 1, category="城乡建设", area_code=PUTUO_GRID)
    assert triage_queue.drain(deferred.uow, deps=deferred.deps) == 3
    assert heard == routed + unrouted


def test_a_report_nobody_triages_is_done_at_once(container):
    from dataclasses import replace

    bare = replace(container.deps, events=container.deps.events.without(CaseReceived), triage=None)
    with container.uow() as uow:
        case, _ = receive(uow, _operator(container), NewCase(text="路灯不亮", area_code=PUTUO_GRID), deps=bare)
    assert case.triage_status == "done" and _queue_depth(container) == 0


def test_queue_state_reports_depth_and_oldest_age(deferred, clock):
    _receive_many(deferred, 3, area_code=PUTUO_GRID)
    clock.advance(seconds=7)
    with deferred.uow() as uow:
        state = triage_queue.queue_state(uow.session, now=clock.now())
    assert (state.depth, state.oldest_age_seconds, state.unpublished) == (3, 7.0, 3)
    assert timedelta(seconds=state.oldest_unpublished_age_seconds) == timedelta(seconds=7)


def test_metrics_show_the_queue_and_triage_lag_to_localhost_only(deferred, as_user, app_client, clock):
    as_user("operator").post("/api/v1/cases", json=case_body())
    clock.advance(seconds=3)
    text = app_client.get("/metrics").text  # the test client counts as localhost
    assert "gridloop_triage_queue_depth 1.0" in text and "gridloop_triage_queue_oldest_age_seconds 3.0" in text
    triage_queue.drain(deferred.uow, deps=deferred.deps)
    text = app_client.get("/metrics").text
    assert "gridloop_triage_queue_depth 0.0" in text and 'gridloop_triage_lag_seconds_bucket{le="5.0"} 1.0' in text
    from fastapi.testclient import TestClient

    remote = TestClient(app_client.app, client=("203.0.113.9", 5000))
    assert remote.get("/metrics").status_code == 403


def test_the_case_page_says_triage_is_pending_until_a_worker_finished(deferred, as_user, app_client):
    from tests.web_helpers import login

    case_id = as_user("operator").post("/api/v1/cases", json=case_body()).json()["id"]
    login(app_client, "operator")
    assert "智能分拣中" in app_client.get(f"/cases/{case_id}").text
    triage_queue.drain(deferred.uow, deps=deferred.deps)
    assert "智能分拣中" not in app_client.get(f"/cases/{case_id}").text


def test_a_worker_loads_triage_before_it_takes_any_report(container):
    import threading

    from gridloop.cases import jobs

    seen: list[int] = []

    class Counting:
        def analyse_many(self, items):
            seen.append(len(items))
            return []

    container.deps.triage = Counting()
    assert jobs.start_workers(container, stop=threading.Event(), threads=0) == []
    assert seen == [1], "the classifier ran once before the workers started"


def test_the_relay_stamps_what_it_published_and_never_waits_for_a_row_a_worker_holds(deferred):
    ids = _receive_many(deferred, 3)
    sent: list[str] = []
    engine = deferred.uow.engine
    holder = engine.connect()  # a worker's transaction holding the first report's queue row (PostgreSQL row lock)
    held = holder.begin()
    holder.execute(select(TriageQueueRow).where(TriageQueueRow.case_id == ids[0]).with_for_update())
    relayed: list[int] = []
    t = threading.Thread(
        target=lambda: relayed.append(
            triage_queue.relay(deferred.uow, deps=deferred.deps, publish=lambda c, ch, m: sent.append(m))
        )
    )
    try:
        if engine.dialect.name == "sqlite":  # no row locks: the writer waits for the whole file instead
            held.rollback()
        t.start()
        t.join(10)
        assert not t.is_alive(), "the relay waited for a row another transaction holds"
    finally:
        if held.is_active:
            held.rollback()
        holder.close()
        t.join(10)
    with deferred.uow() as uow:
        stamped = dict(uow.session.execute(select(TriageQueueRow.case_id, TriageQueueRow.published_at)).all())
    assert relayed == [3] and sent == [f"case-{i}-0" for i in ids], (relayed, sent)
    locked_skipped = engine.dialect.name != "sqlite"
    assert [stamped[i] is None for i in ids] == [locked_skipped, False, False], stamped
    again: list[str] = []  # the skipped row is published again under the same message id (JetStream drops it)
    triage_queue.relay(deferred.uow, deps=deferred.deps, publish=lambda c, ch, m: again.append(m))
    assert again == ([f"case-{ids[0]}-0"] if locked_skipped else []), again
