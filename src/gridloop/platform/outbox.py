"""The outbox: enqueue notices inside the transaction, deliver them after commit with retries and backoff.

`Outbox.enqueue` adds one row per configured channel to the caller's session and asks to be woken when that
session commits. The `Dispatcher` claims due rows in short transactions of its own, delivers each outside any
transaction or lock (tenacity retries a few times with exponential waits), then records the outcome: sent, or
failed with the next attempt backed off exponentially, or dead after `max_attempts` tries. A channel that
fails is skipped for the rest of the pass, so a webhook that is down does not hold up the log or SMS. Receivers get the
message id as `Idempotency-Key` and deduplicate by it (a delivery whose lease expired may be repeated).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tenacity import Retrying, stop_after_attempt, wait_exponential

from gridloop.kernel.ports import Clock, Notice
from gridloop.platform.db import exercise
from gridloop.platform.db import outbox as table
from gridloop.platform.db.engine import session_factory
from gridloop.platform.notify import LogNotifier

log = logging.getLogger("gridloop.outbox")

#: Key of `Session.info` holding callbacks run after that session's next commit (see `db.engine`).
AFTER_COMMIT = "after_commit"


#: The only channel exercise (演练) notices are written to; it never reaches a real notifier.
DRILL_CHANNEL = "drill"


def _default_channels() -> dict[str, Any]:
    return {"log": LogNotifier()}


class DrillSink:
    """Where exercise notices are delivered: logged under `gridloop.drill`, kept in the outbox table, sent nowhere."""

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        """Accept one exercise notice (nothing leaves the process)."""
        logging.getLogger("gridloop.drill").info("exercise notice %s: %s", message_id, notice.kind)


@dataclass
class Outbox:
    """The channels messages go to, and the signal that wakes the dispatcher after a commit."""

    channels: dict[str, Any] = field(default_factory=_default_channels)
    signal: threading.Event = field(default_factory=threading.Event)
    #: Channels that get only the messages addressed to them (`enqueue(…, to=name)`), e.g. subscribers' webhooks.
    addressed: dict[str, Any] = field(default_factory=dict)
    #: Receives every exercise notice instead of the channels above (drill isolation, docs/drills.md).
    drill: Any = field(default_factory=DrillSink)

    def enqueue(self, session: Session, notice: Notice, *, now: datetime, to: str | None = None) -> list[str]:
        """Write the notice for every channel (or only the addressed channel `to`) in the caller's transaction.

        An exercise notice (the session works for a drill run, or the notice is about an exercise case) is
        written for the drill sink only, whatever channels are configured.
        """
        channels = list(self.channels) if to is None else [to] if to in self.addressed else []
        if exercise.is_exercise_notice(session, case_number=notice.case_number, payload=notice.payload):
            channels = [DRILL_CHANNEL] if channels else []
        ids = table.enqueue(session, notice, channels=channels, now=now)
        if ids:
            self._wake_after_commit(session)
        return ids

    def enqueue_many(self, session: Session, notices: Sequence[Notice], *, now: datetime) -> list[str]:
        """`enqueue` of several notices for every channel, written in one INSERT (a batch of warnings)."""
        channels = list(self.channels)
        ids = table.enqueue_many(session, [
            (n, [DRILL_CHANNEL] if channels and exercise.is_exercise_notice(
                session, case_number=n.case_number, payload=n.payload) else channels)
            for n in notices
        ], now=now)  # fmt: skip
        if ids:
            self._wake_after_commit(session)
        return ids

    def _wake_after_commit(self, session: Session) -> None:
        callbacks: list[Callable[[], None]] = session.info.setdefault(AFTER_COMMIT, [])
        if self.signal.set not in callbacks:
            callbacks.append(self.signal.set)

    def muted(self) -> Outbox:
        """An outbox that writes nothing (generated demo history)."""
        return Outbox(channels={}, signal=self.signal, drill=self.drill)


@dataclass
class DeliveryReport:
    """What one pass of the dispatcher did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain data (CLI, logs)."""
        return {"claimed": self.claimed, "sent": self.sent, "failed": self.failed, "dead": self.dead}


@dataclass
class Dispatcher:
    """Delivers due outbox messages; run by `gridloop outbox deliver` and in a thread inside `serve`."""

    engine: Engine
    outbox: Outbox
    clock: Clock
    lock: AbstractContextManager[object] = field(default_factory=nullcontext)
    max_attempts: int = 8
    tries_per_claim: int = 3
    retry_wait: Any = field(default_factory=lambda: wait_exponential(multiplier=0.5, max=8))
    backoff: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)
    batch: int = 50
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._sessions = session_factory(self.engine)

    def backoff_after(self, attempts: int) -> timedelta:
        """How long a message waits after `attempts` failed tries (exponential, capped)."""
        delay: timedelta = self.backoff * (2 ** max(attempts - 1, 0))
        return min(self.backoff_cap, delay)

    def deliver_pending(self, *, stop: threading.Event | None = None) -> DeliveryReport:
        """Claim and deliver every message due now, one at a time (until `stop` is set); returns the counts.

        A channel that fails is left alone for the rest of the pass, so one endpoint that is down does not hold
        up the messages of the others (its next message is tried on the next pass).
        """
        report = DeliveryReport()
        failing: set[str] = set()
        while stop is None or not stop.is_set():
            with self._sessions() as session:
                due = table.due(session, now=self.clock.now(), limit=self.batch, skip=sorted(failing))
            if not due:
                return report
            for row_id, channel in due:
                if stop is not None and stop.is_set():
                    return report
                if channel in failing:
                    continue
                message = self._claim(row_id)
                if message is not None:
                    report.claimed += 1
                    outcome = self._deliver(message)
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    if outcome != "sent":
                        failing.add(channel)
            if len(due) < self.batch:
                return report
        return report

    def _claim(self, row_id: int) -> table.Message | None:
        now = self.clock.now()
        with self.lock, self._sessions() as session:
            message = table.claim(session, row_id, now=now, lease_until=now + self.lease)
            session.commit()
        return message

    def _deliver(self, message: table.Message) -> str:
        """Deliver outside any transaction; returns 'sent', 'failed' or 'dead'."""
        if message.channel == DRILL_CHANNEL:
            channel: Any = self.outbox.drill
        else:
            channel = self.outbox.channels.get(message.channel) or self.outbox.addressed.get(message.channel)
        tries = 0
        error = ""
        if channel is None:
            error = f"no channel '{message.channel}' is configured"
            budget = 0
        else:
            budget = max(1, min(self.tries_per_claim, self.max_attempts - message.attempts))
            notice = message.notice()
            try:
                for attempt in Retrying(
                    stop=stop_after_attempt(budget), wait=self.retry_wait, sleep=self.sleep, reraise=True
                ):
                    with attempt:
                        tries += 1
                        _send(channel, notice, message.message_id)
            except Exception as exc:  # any failure of a channel is recorded and retried later
                error = f"{type(exc).__name__}: {exc}"
        now = self.clock.now()
        with self.lock, self._sessions() as session:
            if not error:
                table.mark_sent(session, message, tries=tries, now=now)
                session.commit()
                return "sent"
            attempts = message.attempts + tries
            dead = channel is None or attempts >= self.max_attempts
            retry_at = None if dead else now + self.backoff_after(attempts)
            table.mark_failed(session, message, tries=tries, error=error, retry_at=retry_at)
            session.commit()
        log.warning("outbox message %s (%s) failed %d time(s): %s", message.message_id, message.topic, attempts, error)
        return "dead" if dead else "failed"

    def run(self, stop: threading.Event, *, poll_seconds: float = 5.0) -> None:
        """Deliver until `stop` is set: at once when a commit enqueued something, else every `poll_seconds`."""
        while not stop.is_set():
            self.outbox.signal.clear()
            try:
                report = self.deliver_pending(stop=stop)
                if report.claimed:
                    log.info("outbox: %s", report.as_dict())
            except Exception:  # the dispatcher must survive a bad pass (logged with its traceback)
                log.exception("outbox delivery pass failed")
            self.outbox.signal.wait(poll_seconds)

    def start(self, stop: threading.Event, *, poll_seconds: float = 5.0) -> threading.Thread:
        """Run in a daemon thread (what `serve` does); set `stop` and `outbox.signal` to end it."""
        thread = threading.Thread(
            target=self.run, args=(stop,), kwargs={"poll_seconds": poll_seconds}, name="gridloop-outbox", daemon=True
        )
        thread.start()
        return thread


def _send(channel: Any, notice: Notice, message_id: str) -> None:
    deliver = getattr(channel, "deliver", None)
    if deliver is not None:
        deliver(notice, message_id=message_id)
    else:  # a plain Notifier (tests' fakes): no message id to pass on
        channel.notify(notice)
