"""Triage workers store a leased batch in few transactions, a savepoint per report: the stored outcome is the same as
finishing the reports one by one (category, urgency, duplicate merges, dispatch targets, deadlines, audit chain),
one report that fails is rolled back alone, and a worker killed inside a transaction loses and doubles nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from gridloop.bootstrap import Container, build_container
from gridloop.cases.services import audit, triage_queue
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseEventRow, CaseRow, TriageQueueRow
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.events import CaseReceived
from gridloop.platform.db.outbox import OutboxRow
from gridloop.platform.db.writelock import WriteLock
from gridloop.platform.org.services import org
from tests.conftest import database_from
from tests.factories import PUTUO_GRID

#: (text, category, area code): routed by the operator, left to the model, duplicates in other words, an emergency
REPORTS: list[tuple[str, str | None, str | None]] = [
    ("长寿路500弄3号楼楼上人家漏水，我家天花板一直在滴水，墙皮都泡起来了", None, PUTUO_GRID),
    ("武宁路100号门口路灯不亮，晚上很危险", "城乡建设", PUTUO_GRID),
    ("曹杨路88号工地夜间施工噪音很大，影响休息", None, "310107"),
    ("来电人反映长寿路500弄3号楼一户顶面渗水严重，要求尽快协调处理", None, PUTUO_GRID),
    ("真如镇12弄垃圾堆放两天没有清运，气味很大", "城乡建设", PUTUO_GRID),
    ("中山北路200号人行道共享单车乱停放，行人无法通过", None, None),
    ("武宁路100号门口路灯不亮，晚上很危险", "城乡建设", PUTUO_GRID),
    ("兰溪路18号小区燃气泄漏，闻到很浓的煤气味，有人晕倒", None, PUTUO_GRID),
    ("曹杨路88号工地晚上十一点还在打桩，吵得没法睡觉", None, "310107"),
    ("我想咨询一下居住证办理需要什么材料", None, None),
    ("真如镇12弄垃圾堆放两天没有清运，气味很大", None, PUTUO_GRID),
    ("梅川路300号餐馆油烟直排，楼上住户无法开窗", None, "310107"),
]


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


def _deferred(url: str, clock: Any, model: Path) -> Container:
    """A container with triage on whose intake only stores (nothing triages until a worker runs)."""
    settings = Settings(database_url=url, triage_enabled=True, model_path=model, auto_dispatch_threshold=0.3)
    c = build_container(settings, clock=clock)
    c.deps.triage_kick = lambda: False
    with c.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
    return c


@pytest.fixture
def two(_template: object, tmp_path: Path, clock: Any, seed_model: Path) -> Iterator[tuple[Container, Container]]:
    """Two databases holding the same organisation and catalogue, each with its own worker."""
    with database_from(_template, tmp_path) as a_url, database_from(_template, tmp_path) as b_url:
        a, b = _deferred(a_url, clock, seed_model), _deferred(b_url, clock, seed_model)
        yield a, b
        a.uow.engine.dispose()
        b.uow.engine.dispose()


def _receive(c: Container, clock: Any, reports: list[tuple[str, str | None, str | None]]) -> list[int]:
    with c.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    ids = []
    for text, category, area in reports:
        with c.uow() as uow:
            case, _ = receive(uow, actor, NewCase(text=text, category=category, area_code=area), deps=c.deps)
            ids.append(case.id)
        clock.advance(minutes=3)
    return ids


def _rows(c: Container, table: Any, order: Any) -> list[dict[str, Any]]:
    cols = [a.key for a in inspect(table).column_attrs]
    with c.uow() as uow:
        return [{k: getattr(r, k) for k in cols} for r in uow.session.scalars(select(table).order_by(order))]


def _outcome(c: Container) -> dict[str, Any]:
    cases = _rows(c, CaseRow, CaseRow.id)
    events = _rows(c, CaseEventRow, CaseEventRow.id)
    outbox = [(r["channel"], r["topic"], r["payload"], r["created_at"]) for r in _rows(c, OutboxRow, OutboxRow.id)]
    with c.uow() as uow:
        verdict = audit.verify(uow.session)
    return {"cases": cases, "events": events, "outbox": outbox, "chain_ok": verdict.broken_at is None}


def _by_case(events: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        out.setdefault(e["case_id"], []).append({k: v for k, v in e.items() if k not in _CHAIN})
    return out


_CHAIN = {"id", "prev_hash", "case_prev_hash", "hash"}


def _follow(c: Container, clock: Any, case_ids: list[int]) -> None:
    from gridloop.notices.services import centre

    with c.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    for case_id in case_ids:
        with c.uow() as uow:
            centre.follow(uow, actor, case_id, now=clock.now())


def _notices(c: Container) -> list[tuple[Any, ...]]:
    from gridloop.notices.tables import NoticeRow

    return [(r["user_id"], r["kind"], r["case_id"], r["case_number"], repr(r["payload"]), r["dedupe_key"])
            for r in _rows(c, NoticeRow, NoticeRow.id)]  # fmt: skip


@pytest.mark.parametrize("index_built_before", [False, True], ids=["index-built-by-the-batch", "index-catches-up"])
def test_a_batch_stores_what_finishing_the_reports_one_by_one_stores(two, clock, monkeypatch, index_built_before):
    one_by_one, batched = two

    def drain_both() -> int:
        monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 0.0)  # one report per transaction
        done = triage_queue.drain(one_by_one.uow, deps=one_by_one.deps, batch=1)
        monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)  # the whole lease in one transaction
        assert triage_queue.drain(batched.uow, deps=batched.deps, batch=64) == done
        return done

    start = clock.now()
    first = 1 if index_built_before else 0
    ids = _receive(one_by_one, clock, REPORTS[:first])
    clock.set(start)
    assert _receive(batched, clock, REPORTS[:first]) == ids
    if index_built_before:  # the duplicate index exists: it reads the reports stored since (and sketches them)
        assert drain_both() == first
    start = clock.now()
    ids += _receive(one_by_one, clock, REPORTS[first:])
    clock.set(start)
    assert ids[first:] == _receive(batched, clock, REPORTS[first:])
    followed = ids[:2] + ids[-3:]  # the operator follows some of the reports while they wait for triage
    _follow(one_by_one, clock, followed)
    _follow(batched, clock, followed)
    assert drain_both() == len(REPORTS) - first
    a, b = _outcome(one_by_one), _outcome(batched)
    assert a["chain_ok"] and b["chain_ok"]
    statuses = {r["status"] for r in a["cases"]}
    actions = {r["duplicate_action"] for r in a["cases"]}
    assert {"dispatched", "merged"} <= statuses and "merge" in actions, "the reports exercise dispatch and merging"
    for x, y in zip(a["cases"], b["cases"], strict=True):
        assert x == y, x["number"]
    # the batch stores the operator-routed reports first, so events interleave differently across cases: each
    # case's own events are the same (the hash chain links them in storing order, so its hashes differ; both verify)
    assert _by_case(a["events"]) == _by_case(b["events"])
    assert sorted(map(repr, a["outbox"])) == sorted(map(repr, b["outbox"]))
    told = _notices(one_by_one)
    assert any(n[1] == "followed" for n in told), "the followers of dispatched reports are told"
    assert sorted(told) == sorted(_notices(batched))


def _statuses(c: Container) -> dict[int, str]:
    with c.uow() as uow:
        return dict(uow.session.execute(select(CaseRow.id, CaseRow.triage_status)).all())


def _queued(c: Container) -> set[int]:
    with c.uow() as uow:
        return set(uow.session.scalars(select(TriageQueueRow.case_id)))


def _receive_events(c: Container, case_id: int) -> int:
    with c.uow() as uow:
        q = select(func.count()).select_from(CaseEventRow).where(CaseEventRow.case_id == case_id)
        return int(uow.session.scalar(q.where(CaseEventRow.action.in_(["dispatch", "merge"]))))


def test_one_report_that_fails_is_rolled_back_alone_and_retried_after_the_lease(two, clock, monkeypatch):
    c, _ = two
    ids = _receive(c, clock, REPORTS[:6])
    bad = ids[2]
    real = triage_queue.locate_by_text

    def flaky(session: Any, case: CaseRow, deps: Any) -> None:
        if case.id == bad:
            case.masked_text = "half done"  # rolled back with the report's savepoint
            raise RuntimeError("a bad report")
        real(session, case, deps)

    monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)
    monkeypatch.setattr(triage_queue, "locate_by_text", flaky)
    assert triage_queue.drain(c.uow, deps=c.deps) == 5
    statuses = _statuses(c)
    assert statuses[bad] == "pending" and all(statuses[i] == "done" for i in ids if i != bad)
    assert _queued(c) == {bad}, "its row stays leased; the others' rows are gone"
    monkeypatch.setattr(triage_queue, "locate_by_text", real)
    assert triage_queue.drain(c.uow, deps=c.deps) == 0, "not before the lease runs out"
    clock.advance(seconds=triage_queue.DEFAULT_LEASE.total_seconds() + 1)
    assert triage_queue.drain(c.uow, deps=c.deps) == 1
    assert set(_statuses(c).values()) == {"done"} and not _queued(c)
    with c.uow() as uow:
        assert uow.session.get(CaseRow, bad).masked_text != "half done"


def test_a_worker_killed_inside_a_batch_transaction_loses_and_doubles_nothing(two, clock, monkeypatch):
    c, _ = two
    ids = _receive(c, clock, REPORTS)
    seen: list[int] = []

    def die_at_the_second(_s: Any, event: CaseReceived, _d: Any) -> None:
        seen.append(event.case_id)
        if len(seen) == 2:
            raise SystemExit("killed")  # not an Exception: nothing catches it, as when the process dies

    live = c.deps.events
    c.deps.events = live.without()  # a copy, then the dying subscriber on it
    c.deps.events.subscribe(CaseReceived, 99, die_at_the_second, isolated=True)
    monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)
    with pytest.raises(SystemExit):
        triage_queue.drain(c.uow, deps=c.deps, worker="doomed")
    c.deps.events = live
    assert set(_statuses(c).values()) == {"pending"}, "the open transaction's work is gone"
    assert _queued(c) == set(ids), "every row is still queued, leased to the dead worker"
    assert triage_queue.drain(c.uow, deps=c.deps) == 0
    clock.advance(seconds=triage_queue.DEFAULT_LEASE.total_seconds() + 1)
    assert triage_queue.drain(c.uow, deps=c.deps) == len(ids)
    assert set(_statuses(c).values()) == {"done"} and not _queued(c)
    assert all(_receive_events(c, i) <= 1 for i in ids), "no report dispatched or merged twice"


def test_an_acknowledgement_waiting_for_the_write_lock_ends_the_batch_transaction(two, clock, monkeypatch):
    c, _ = two
    lock = c.deps.write_lock
    if not isinstance(lock, WriteLock):
        pytest.skip("the process write lock exists on SQLite only")
    ids = _receive(c, clock, REPORTS[:5])
    order: list[object] = []

    def acknowledge() -> None:
        with lock.first():
            order.append("ack")

    def watch(_s: Any, event: CaseReceived, _d: Any) -> None:
        order.append(event.case_id)
        if len(order) == 2:
            threading.Thread(target=acknowledge, daemon=True).start()
            deadline = time.monotonic() + 5
            while not lock.wanted() and time.monotonic() < deadline:
                time.sleep(0.001)

    c.deps.events.subscribe(CaseReceived, 99, watch, isolated=True)
    monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)
    assert triage_queue.drain(c.uow, deps=c.deps) == 5
    assert order[2] == "ack" and sorted(o for o in order if o != "ack") == ids, "it went in after two reports"


def test_a_report_is_judged_against_earlier_reports_only_whatever_order_workers_take_them(two, clock):
    c, _ = two
    text = ("长寿路500弄3号楼楼上人家漏水，我家天花板一直在滴水，墙皮都泡起来了", None, PUTUO_GRID)
    first, second = _receive(c, clock, [text, text])
    with c.uow() as uow:  # a worker takes the later report first (another worker holds the earlier one)
        lease = triage_queue.claim(uow, deps=c.deps, worker="w", limit=5, case_ids=[second])
    assert triage_queue.process(c.uow, lease, deps=c.deps) == 1
    assert triage_queue.drain(c.uow, deps=c.deps) == 1
    with c.uow() as uow:
        a, b = uow.session.get(CaseRow, first), uow.session.get(CaseRow, second)
        assert a.duplicate_of_id is None and a.duplicate_action is None, "never a duplicate of itself or a later one"
        assert b.duplicate_of_id == first and b.duplicate_action in ("merge", "suggest")


def test_events_rolled_back_inside_a_batch_transaction_leave_the_audit_chain_whole(two, clock, monkeypatch):
    from gridloop.kernel.events import CaseDispatched

    c, _ = two
    ids = _receive(c, clock, REPORTS)
    dispatched: list[int] = []

    def fail_the_second_dispatch(_s: Any, event: CaseDispatched, _d: Any) -> None:
        if event.case_id not in dispatched:
            dispatched.append(event.case_id)
        if dispatched[1:2] == [event.case_id]:  # inside the isolated auto-dispatch, after its audit event was written
            raise RuntimeError("a cascade that fails")

    def fail_a_whole_report(_s: Any, event: CaseReceived, _d: Any) -> None:
        if event.case_id == ids[-1]:  # after its events: the report's savepoint is rolled back
            raise RuntimeError("a bad report")

    c.deps.events.subscribe(CaseDispatched, 99, fail_the_second_dispatch)
    c.deps.events.subscribe(CaseReceived, 99, fail_a_whole_report)
    monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)  # the whole lease in one transaction
    assert triage_queue.drain(c.uow, deps=c.deps) == len(ids) - 1
    with c.uow() as uow:
        verdict = audit.verify(uow.session)
        undone = uow.session.get(CaseRow, dispatched[1])
        assert undone.status == "received", "its dispatch was rolled back with the failing cascade"
    assert verdict.ok, verdict.as_dict()
    assert len(dispatched) >= 3, "reports dispatched after the rolled-back events"


def test_an_isolated_subscriber_that_fails_in_a_batch_loses_only_its_own_work_as_one_by_one(two, clock, monkeypatch):
    from gridloop.kernel.errors import Conflict
    from gridloop.kernel.events import CaseChanged

    c, _ = two
    ids = _receive(c, clock, REPORTS[:5])
    failed: list[int] = []

    def refuse_once(_s: Any, event: CaseChanged, _d: Any) -> None:
        if not failed:  # a domain error: the auto-dispatch around it must not take it for a refused dispatch
            failed.append(event.case_id)
            raise Conflict("a notice that cannot be made")

    c.deps.events.subscribe(CaseChanged, 99, refuse_once, isolated=True)
    monkeypatch.setattr(triage_queue, "CHUNK_SECONDS", 60.0)
    assert triage_queue.drain(c.uow, deps=c.deps) == len(ids)
    with c.uow() as uow:
        case = uow.session.get(CaseRow, failed[0])
        assert case.status == "dispatched" and case.dispatch_auto, "dispatched; only the subscriber's work is gone"
    assert _receive_events(c, failed[0]) == 1
