"""The periodic supervision job for `serve`: a daemon thread running one tick every `sla_tick_seconds`."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

log = logging.getLogger("gridloop.supervision")
#: The audit chain is verified on the first tick and then every this many ticks.
AUDIT_EVERY_TICKS = 12


def run_once(container: Any) -> dict[str, Any]:
    """One tick with the container's settings, clock and outbox; returns what it did."""
    from gridloop.cases.services.supervision import scheduled_tick

    result = scheduled_tick(
        container.uow,
        settings=container.settings,
        outbox=container.deps.outbox,
        deps=container.deps,
        now=container.deps.clock.now(),
    )
    return result.as_dict()


def verify_audit(container: Any) -> dict[str, Any]:
    """Verify the audit chain; a broken one is logged and sent as a notice."""
    from gridloop.cases.services.audit import check_and_enqueue

    verdict = check_and_enqueue(container.uow, outbox=container.deps.outbox, now=container.deps.clock.now())
    if not verdict.ok:
        log.error("audit chain broken: %s", verdict.as_dict())
    return verdict.as_dict()


def start(container: Any, *, stop: threading.Event | None = None) -> threading.Thread:
    """Start ticking in the background until `stop` is set; errors are logged and the next tick still runs."""
    stop = stop or threading.Event()
    interval = max(int(container.settings.sla_tick_seconds), 1)

    from gridloop.platform.db.leader import SingletonLock

    leader = SingletonLock(container.uow.engine, "gridloop.supervision")

    def loop() -> None:
        ticks = 0
        while not stop.is_set():
            if not leader.held():  # another process ticks (PostgreSQL advisory lock); take over if it dies
                stop.wait(interval)
                continue
            try:
                outcome = run_once(container)
                if outcome["notices"]:
                    log.info("supervision tick: %s", outcome)
                if ticks % AUDIT_EVERY_TICKS == 0:
                    verify_audit(container)
            except Exception:  # the job must survive a bad tick (logged with its traceback)
                log.exception("supervision tick failed")
            ticks += 1
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="gridloop-sla-tick", daemon=True)
    thread.start()
    return thread


def start_triage_workers(
    container: Any, *, stop: threading.Event | None = None, threads: int | None = None
) -> list[threading.Thread]:
    """Start the embedded triage workers: threads fed from the database queue, woken by every intake commit
    (`deps.triage_kick`) and otherwise looking every `triage_poll_seconds`."""
    stop = stop or threading.Event()
    count = container.settings.triage_worker_threads if threads is None else threads
    if count <= 0:
        return []
    wake = threading.Event()
    previous = container.deps.triage_kick

    def kick() -> bool:
        wake.set()
        return bool(previous())

    container.deps.triage_kick = kick
    started = []
    for n in range(count):
        thread = threading.Thread(
            target=triage_loop, args=(container, stop, wake, f"thread-{n}"), name=f"gridloop-triage-{n}", daemon=True
        )
        thread.start()
        started.append(thread)
    return started


def warm_up(container: Any) -> None:
    """Load what the first batch would (the classifier and its libraries, the word lists) before taking reports: a
    cold worker would otherwise hold its first batch for seconds, reports another worker could have triaged."""
    triage = container.deps.triage
    if triage is None:
        return
    try:
        triage.analyse_many([("", "长寿路路口的路灯不亮了")])
    except Exception:  # the first batch will say what is wrong, report by report
        log.exception("warming up triage failed")


def start_workers(container: Any, *, stop: threading.Event, threads: int) -> list[threading.Thread]:
    """The workers of `gridloop worker triage`, warmed up first: JetStream consumers when GRIDLOOP_NATS_URL is set,
    else threads on the database queue."""
    warm_up(container)
    if container.settings.nats_url:
        return start_stream_workers(container, stop=stop, threads=threads)
    return start_triage_workers(container, stop=stop, threads=threads)


#: The interpreter's thread switch interval (seconds) in an API process (its threads: intake writer, triage).
API_SWITCH_INTERVAL = 0.0005


def start_pipeline(container: Any, *, stop: threading.Event | None = None) -> list[threading.Thread]:
    """What an API process (`serve`, ASGI) runs: with GRIDLOOP_NATS_URL the relay to JetStream, else nothing of its
    own; and the embedded triage workers of GRIDLOOP_TRIAGE_WORKER_MODE: a child worker process (default), threads
    of this process, or none."""
    stop = stop or threading.Event()
    # The intake writer (and embedded triage threads) share the GIL with the event loop: a busy thread would keep
    # it for the default 5 ms at every turn, and the event loop needs it back after each socket wait.
    sys.setswitchinterval(min(sys.getswitchinterval(), API_SWITCH_INTERVAL))
    settings = container.settings
    mode = embedded_mode(settings)
    started: list[threading.Thread] = []
    if settings.nats_url:
        started.append(start_relay(container, stop=stop))
        if mode == "thread":
            started += start_stream_workers(container, stop=stop, threads=settings.triage_worker_threads)
    elif mode == "thread":
        started += start_triage_workers(container, stop=stop)
    if mode == "process":
        child = start_worker_process(container)
        watcher = threading.Thread(target=lambda: (stop.wait(), child.stop()), name="gridloop-child-stop", daemon=True)
        watcher.start()
        started.append(watcher)
    return started


def embedded_mode(settings: Any) -> str:
    """`process`, `thread` or `none`: how an API process triages (no threads asked for means none)."""
    return "none" if settings.triage_worker_threads <= 0 else str(settings.triage_worker_mode)


def start_worker_process(container: Any) -> Any:
    """Start `gridloop worker triage` as a child of this process at GRIDLOOP_TRIAGE_WORKER_NICE, with this
    process's settings; on the database queue every intake commit wakes it (a byte on its stdin)."""
    import os

    from gridloop.platform.childproc import ChildProcess, settings_environment

    settings = container.settings
    argv = [sys.executable, "-m", "gridloop.cli", "worker", "triage", "--threads", str(settings.triage_worker_threads)]
    env = settings_environment(settings.model_dump(mode="json"), prefix="GRIDLOOP_", base=os.environ)
    child = ChildProcess(argv, name="triage worker", nice=settings.triage_worker_nice, env=env).start()
    if not settings.nats_url:  # JetStream wakes its own consumers
        previous = container.deps.triage_kick

        def kick() -> bool:
            child.kick()
            return bool(previous())

        container.deps.triage_kick = kick
    return child


def _stream(container: Any) -> Any:
    from gridloop.platform.stream import StreamClient, Subjects

    client = StreamClient(container.settings.nats_url)
    subjects = Subjects(container.settings.nats_prefix)
    client.ensure_stream(subjects.intake_stream, [subjects.intake()])
    return client, subjects


def start_relay(container: Any, *, stop: threading.Event) -> threading.Thread:
    """Publish stored reports to JetStream after commit, woken by each intake commit; a NATS outage leaves them
    in the database queue, published when the server is back."""
    from gridloop.cases.services import triage_queue

    wake = threading.Event()
    previous = container.deps.triage_kick

    def kick() -> bool:
        wake.set()
        return bool(previous())

    container.deps.triage_kick = kick

    def loop() -> None:
        client: Any = None
        subjects: Any = None
        while not stop.is_set():
            wake.clear()
            try:
                if client is None:
                    client, subjects = _stream(container)

                def publish(case_id: int, channel: str, msg_id: str, c: Any = client, s: Any = subjects) -> None:
                    c.publish(s.intake(channel), str(case_id).encode(), msg_id=msg_id)

                if triage_queue.relay(container.uow, deps=container.deps, publish=publish):
                    continue
            except Exception:
                log.exception("publishing to JetStream failed; the reports wait in the database queue")
                client = None
                stop.wait(2)
            wake.wait(container.settings.triage_poll_seconds)

    thread = threading.Thread(target=loop, name="gridloop-intake-relay", daemon=True)
    thread.start()
    return thread


def start_stream_workers(container: Any, *, stop: threading.Event, threads: int) -> list[threading.Thread]:
    """Threads consuming `<PREFIX>_INTAKE` as the durable `triage` (shared with every other worker process)."""
    started = []
    for n in range(threads):
        t = threading.Thread(target=stream_loop, args=(container, stop, f"stream-{n}"), name=f"gridloop-triage-js-{n}",
                             daemon=True)  # fmt: skip
        t.start()
        started.append(t)
    return started


def stream_loop(container: Any, stop: threading.Event, name: str) -> None:
    """Fetch a batch from JetStream, lease those reports in the database, triage them, then ack what is finished
    (or no longer queued) and nak the rest for later (another worker holds it)."""
    import os
    import socket
    from datetime import timedelta

    from gridloop.platform.stream import INTAKE_DURABLE

    settings = container.settings
    worker = f"{socket.gethostname()}:{os.getpid()}:{name}"
    lease = timedelta(seconds=settings.triage_lease_seconds)
    consumer = None
    while not stop.is_set():
        try:
            if consumer is None:
                client, subjects = _stream(container)
                consumer = client.pull(subjects.intake_stream, INTAKE_DURABLE, subjects.intake(),
                                       ack_wait=float(settings.triage_lease_seconds))  # fmt: skip
            msgs = consumer.fetch(settings.triage_batch_size, timeout=settings.triage_poll_seconds)
            if msgs:
                _triage_messages(container, msgs, worker=worker, lease=lease)
        except Exception:
            log.exception("stream triage pass failed")
            consumer = None
            stop.wait(2)


def _triage_messages(container: Any, msgs: list[Any], *, worker: str, lease: Any) -> None:
    """Lease, triage and then ack or nak one fetched batch. A message that names no report is acked (logged);
    when anything fails, every message still unanswered is nak'ed to come back when its report is due."""
    from gridloop.cases.services import triage_queue

    settings = container.settings
    ids: list[int] = []
    wanted = []
    for m in msgs:
        try:
            ids.append(int(m.data))
            wanted.append(m)
        except ValueError:
            log.error("intake stream message without a report id: %r", bytes(m.data)[:40])
            m.ack()
    try:
        with container.uow() as uow:
            batch = triage_queue.claim(uow, deps=container.deps, worker=worker, limit=len(ids), lease=lease,
                                       case_ids=ids)  # fmt: skip
        triage_queue.process(container.uow, batch, deps=container.deps)
    finally:
        with container.uow() as uow:
            left = triage_queue.still_queued(uow.session, ids)
        now = container.deps.clock.now()
        for m, case_id in zip(wanted, ids, strict=True):
            if case_id in left:  # redelivered when it is due again (never sooner than one poll)
                m.nak(delay=redelivery_delay(left[case_id], now, settings))
            else:
                m.ack()


def redelivery_delay(due: Any, now: Any, settings: Any) -> float:
    """Seconds until a report left in the queue is due again, between one poll and one lease."""
    wait = float((due - now).total_seconds())
    return min(max(wait, float(settings.triage_poll_seconds)), float(settings.triage_lease_seconds))


def describe_pipeline(container: Any) -> str:
    """The start-up line of an API process: where its reports are triaged."""
    settings = container.settings
    mode = embedded_mode(settings)
    threads = settings.triage_worker_threads
    if mode == "process":
        where = f"a worker process ({threads} threads, nice +{settings.triage_worker_nice}) beside this server"
    elif mode == "thread":
        where = f"{threads} threads of this server"
    else:
        where = "separate `gridloop worker triage` processes only"
    return f"triage: {where}, from the {source_of(container)}"


def source_of(container: Any) -> str:
    """Where this process's workers take reports from (for the start-up line)."""
    return "JetStream" if container.settings.nats_url else "database queue"


def triage_loop(container: Any, stop: threading.Event, wake: threading.Event, name: str) -> None:
    """Lease and triage batches until `stop`; a failing pass is logged and the next one still runs."""
    import os
    import socket
    from datetime import timedelta

    from gridloop.cases.services import triage_queue

    worker = f"{socket.gethostname()}:{os.getpid()}:{name}"
    settings = container.settings
    lease = timedelta(seconds=settings.triage_lease_seconds)
    while not stop.is_set():
        wake.clear()  # before looking: a report stored while we look wakes the next wait at once
        try:
            with container.uow() as uow:
                batch = triage_queue.claim(
                    uow, deps=container.deps, worker=worker, limit=settings.triage_batch_size, lease=lease
                )
            if batch.items:
                triage_queue.process(container.uow, batch, deps=container.deps)
                continue
        except Exception:  # the worker must survive a bad pass (logged with its traceback)
            log.exception("triage pass failed")
        wake.wait(settings.triage_poll_seconds)


def start_board_refresh(container: Any, cache: Any, *, stop: threading.Event | None = None) -> threading.Thread:
    """Keep the operations boards people look at built ahead of time (`board.refresh_boards`), every second
    checking which are due; errors are logged and the next round still runs."""
    from gridloop.cases.services import board

    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                board.refresh_boards(container.uow, cache, now=container.deps.clock.now(), tz=container.deps.tz)
            except Exception:  # a failed build leaves the request path to build that board
                log.exception("board refresh failed")
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name="gridloop-board-refresh", daemon=True)
    thread.start()
    return thread


def keep_boards_ahead(container: Any, app: Any) -> threading.Thread | None:
    """Give the app one board cache and keep it refreshed ahead (`serve` and `gridloop.asgi` call this; off when
    GRIDLOOP_BOARD_CACHE_SECONDS is 0)."""
    seconds = int(container.settings.board_cache_seconds)
    if seconds <= 0:
        return None
    from gridloop.cases.services.board_cache import BoardCache

    app.state.board_cache = BoardCache(ttl_seconds=seconds)
    return start_board_refresh(container, app.state.board_cache)
