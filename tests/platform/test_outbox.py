"""The outbox: notices are written in the transaction, delivered after commit with retries and backoff,
once per message id, and a slow webhook never slows intake."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from gridloop.cases.services.intake import NewCase, create_case, receive
from gridloop.kernel.ports import Notice
from gridloop.platform.db import outbox as table
from gridloop.platform.db.outbox import OutboxRow
from gridloop.platform.delivery import dispatcher_for, retry
from gridloop.platform.notify import WebhookNotifier
from gridloop.platform.org.services import org
from gridloop.platform.outbox import Dispatcher
from tests.pipeline import drain_triage


class Collect:
    """A channel that keeps what it is given, with the message ids."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.delivered: list[tuple[str, Notice]] = []
        self.tries = 0

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        self.tries += 1
        if self.tries <= self.fail:
            raise ConnectionError(f"try {self.tries} refused")
        self.delivered.append((message_id, notice))


def _operator(container):
    with container.uow() as uow:
        return org.actor_for(org.get_user(uow.session, "operator"))


def _rows(container, **where) -> list[OutboxRow]:
    with container.uow() as uow:
        stmt = select(OutboxRow).order_by(OutboxRow.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxRow, key) == value)
        rows = list(uow.session.scalars(stmt))
        uow.session.expunge_all()  # readable after the unit of work rolls back on exit
        return rows


def _count(container) -> int:
    with container.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxRow))


EMERGENCY = NewCase(text="小区燃气泄漏，请马上派人", area_code="310107", urgency="emergency")


def _enqueue_one(container, notice: Notice | None = None) -> None:
    with container.uow() as uow:
        container.deps.outbox.enqueue(
            uow.session, notice or Notice(kind="test", title="t", body="b"), now=container.deps.clock.now()
        )
        uow.commit()


def test_a_notice_is_in_the_outbox_after_commit_and_not_before(container):
    channel = Collect()
    container.deps.outbox.channels = {"test": channel}
    with container.uow() as uow:
        case, _ = create_case(uow.session, _operator(container), EMERGENCY, deps=container.deps)
        uow.session.flush()
        assert _count(container) == 0, "another connection sees no message before the commit"
        assert not channel.delivered, "nothing is sent from inside the transaction"
        uow.commit()
    assert _count(container) == 0, "the notice comes from the intake subscribers, in the triage worker's transaction"
    drain_triage(container)
    rows = _rows(container)
    assert [(r.topic, r.state, r.payload["case_number"]) for r in rows] == [
        ("emergency_unrouted", "pending", case.number)
    ]
    assert not channel.delivered, "written with the worker's commit, delivered only by the dispatcher"
    assert not channel.delivered, "delivery waits for the dispatcher"
    assert dispatcher_for(container).deliver_pending().sent == 1
    assert [n.case_number for _id, n in channel.delivered] == [case.number]


def test_a_rolled_back_action_leaves_no_outbox_row(container):
    container.deps.outbox.channels = {"test": Collect()}
    with container.uow() as uow:
        create_case(uow.session, _operator(container), EMERGENCY, deps=container.deps)
        uow.rollback()
    assert _count(container) == 0


def test_the_commit_wakes_the_dispatcher(container):
    container.deps.outbox.signal.clear()
    with container.uow() as uow:
        container.deps.outbox.enqueue(uow.session, Notice(kind="t", title="t", body=""), now=container.deps.clock.now())
        assert not container.deps.outbox.signal.is_set(), "not woken before the commit"
        uow.commit()
    assert container.deps.outbox.signal.is_set()


def test_the_dispatcher_retries_with_growing_waits_then_succeeds(container):
    channel = Collect(fail=2)
    container.deps.outbox.channels = {"test": channel}
    _enqueue_one(container)
    waits: list[float] = []
    dispatcher = Dispatcher(container.uow.engine, container.deps.outbox, container.deps.clock, sleep=waits.append)
    report = dispatcher.deliver_pending()
    assert (report.sent, channel.tries) == (1, 3)
    assert waits == sorted(waits) and waits[0] < waits[1], f"exponential waits between tries: {waits}"
    [row] = _rows(container)
    assert (row.state, row.attempts, row.sent_at is not None, row.last_error) == ("sent", 3, True, None)


def test_a_failing_message_backs_off_exponentially_then_dies_and_an_admin_retries_it(container, clock):
    channel = Collect(fail=10)
    container.deps.outbox.channels = {"test": channel}
    _enqueue_one(container)
    d = Dispatcher(container.uow.engine, container.deps.outbox, clock, max_attempts=3, tries_per_claim=1,
                   backoff=timedelta(seconds=30), sleep=lambda _s: None)  # fmt: skip
    t0 = clock.now()
    assert d.deliver_pending().failed == 1
    [row] = _rows(container)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 1, t0 + timedelta(seconds=30))
    assert "refused" in row.last_error
    assert d.deliver_pending().claimed == 0, "not before its next attempt"
    clock.advance(seconds=30)
    assert d.deliver_pending().failed == 1
    assert _rows(container)[0].next_attempt_at == clock.now() + timedelta(seconds=60), "the wait doubles"
    clock.advance(seconds=60)
    assert d.deliver_pending().dead == 1
    assert _rows(container)[0].state == "dead"
    clock.advance(days=1)
    assert d.deliver_pending().claimed == 0, "a dead message is left alone"
    channel.fail = 0
    assert retry(container, ids=[], dead=True) == 1
    assert d.deliver_pending().sent == 1 and _rows(container)[0].state == "sent"


def test_a_channel_that_is_down_does_not_hold_up_the_others(container):
    down, log = Collect(fail=100), Collect()
    container.deps.outbox.channels = {"webhook": down, "log": log}
    for i in range(3):
        _enqueue_one(container, Notice(kind="test", title=f"n{i}", body=""))
    d = Dispatcher(container.uow.engine, container.deps.outbox, container.deps.clock, sleep=lambda _s: None)
    report = d.deliver_pending()
    assert (report.sent, report.failed) == (3, 1), report
    assert down.tries == 3, "one message of the failing channel per pass (3 tries), the others wait"
    assert [n.title for _id, n in log.delivered] == ["n0", "n1", "n2"]
    assert len(_rows(container, channel="webhook", state="pending")) == 2


def test_one_message_is_claimed_by_one_dispatcher_and_marked_sent_once(container):
    _enqueue_one(container)
    now = container.deps.clock.now()
    [row] = _rows(container)
    with container.uow() as a, container.uow() as b:
        first = table.claim(a.session, row.id, now=now, lease_until=now + timedelta(minutes=5))
        a.commit()
        second = table.claim(b.session, row.id, now=now, lease_until=now + timedelta(minutes=5))
        b.commit()
    assert first is not None and second is None, "the second dispatcher finds it taken"
    with container.uow() as uow:
        assert table.mark_sent(uow.session, first, tries=1, now=now) is True
        assert table.mark_sent(uow.session, first, tries=1, now=now) is False, "never marked sent twice"
        uow.commit()
    assert _rows(container)[0].attempts == 1


def test_an_expired_claim_is_taken_over_and_the_late_one_cannot_mark_it(container, clock):
    _enqueue_one(container)
    now = clock.now()
    [row] = _rows(container)
    with container.uow() as uow:
        stale = table.claim(uow.session, row.id, now=now, lease_until=now + timedelta(minutes=5))
        uow.commit()
    later = now + timedelta(minutes=6)  # the first dispatcher died while sending
    with container.uow() as uow:
        fresh = table.claim(uow.session, row.id, now=later, lease_until=later + timedelta(minutes=5))
        uow.commit()
    assert stale is not None and fresh is not None and fresh.message_id == stale.message_id
    with container.uow() as uow:
        assert table.mark_sent(uow.session, stale, tries=1, now=later) is False
        assert table.mark_sent(uow.session, fresh, tries=1, now=later) is True
        uow.commit()


class _Receiver(BaseHTTPRequestHandler):
    """Records the message id header of each POST; answers 500 to the first `fail` requests."""

    def do_POST(self) -> None:
        server = self.server
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server.ids.append(self.headers.get("Idempotency-Key"))  # type: ignore[attr-defined]
        server.release.wait(server.delay)  # type: ignore[attr-defined]
        status = 500 if len(server.ids) <= server.fail else 200  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return None


@pytest.fixture
def receiver():
    """A local HTTP endpoint; `delay` seconds before answering (released at teardown), `fail` 500s first."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.ids, server.delay, server.fail, server.release = [], 0.0, 0, threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_a_webhook_retry_carries_the_same_message_id(container, receiver):
    receiver.fail = 1
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    container.deps.outbox.channels = {"webhook": WebhookNotifier(url, timeout=5)}
    _enqueue_one(container)
    d = Dispatcher(container.uow.engine, container.deps.outbox, container.deps.clock, sleep=lambda _s: None)
    assert d.deliver_pending().sent == 1
    [row] = _rows(container)
    assert receiver.ids == [row.message_id, row.message_id], "the receiver can deduplicate by Idempotency-Key"
    assert d.deliver_pending().claimed == 0, "a sent message is not sent again"


def test_a_webhook_that_sleeps_10_s_does_not_slow_intake(container, receiver):
    receiver.delay = 10.0
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    container.deps.outbox.channels = {"webhook": WebhookNotifier(url, timeout=30)}
    stop = threading.Event()
    thread = dispatcher_for(container).start(stop, poll_seconds=0.2)
    actor = _operator(container)
    try:
        started = time.perf_counter()
        for i in range(5):
            with container.uow() as uow:
                receive(uow, actor, NewCase(text=f"第{i}处燃气泄漏", area_code="310107", urgency="emergency"),
                        deps=container.deps)  # fmt: skip
        took = time.perf_counter() - started
        assert took < 3.0, f"5 reports took {took:.1f} s: intake waited for the webhook"
        deadline = time.monotonic() + 8
        while not receiver.ids and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.ids, "the dispatcher is delivering, after the commits"
        assert _rows(container, state="sent") == [], "the endpoint is still sleeping"
        deadline = time.monotonic() + 20
        while not _rows(container, state="sent") and time.monotonic() < deadline:
            time.sleep(0.2)
        sent = _rows(container, state="sent")
        assert len(sent) >= 1 and sent[0].message_id == receiver.ids[0], "delivered later, by message id"
    finally:
        stop.set()
        container.deps.outbox.signal.set()
        receiver.release.set()
        thread.join(timeout=30)


def test_notices_enqueued_together_are_one_row_per_channel_in_order_an_exercise_one_for_the_drill_sink_only(
    container,
):
    container.deps.outbox.channels = {"a": Collect(), "b": Collect()}
    container.deps.outbox.signal.clear()
    notices = [Notice(kind="t", title="first", body=""), Notice(kind="t", title="drill", body="",
               payload={"exercise_run_id": 7}), Notice(kind="t", title="third", body="")]  # fmt: skip
    with container.uow() as uow:
        ids = container.deps.outbox.enqueue_many(uow.session, notices, now=container.deps.clock.now())
        assert not container.deps.outbox.signal.is_set(), "not woken before the commit"
        uow.commit()
    assert container.deps.outbox.signal.is_set()
    rows = _rows(container)
    assert [(r.payload["title"], r.channel) for r in rows] == [
        ("first", "a"),
        ("first", "b"),
        ("drill", "drill"),
        ("third", "a"),
        ("third", "b"),
    ], "one row per channel, in order; the exercise notice goes to the drill sink alone"
    assert [r.message_id for r in rows] == ids and all(r.state == "pending" for r in rows)
