"""A thin NATS JetStream adapter (nats-py) for threads: connect, ensure a stream, publish, and a durable pull
consumer with ack / nak / in-progress. The client runs on its own event loop in a daemon thread; every call here
blocks the calling thread until the server answered, so services and workers stay synchronous.

Subjects and streams (docs/deploy.md), with `prefix` = GRIDLOOP_NATS_PREFIX (default `gridloop`):

- stream `<PREFIX>_INTAKE`, subjects `<prefix>.intake.report.<channel>`, durable consumer `triage`;
- stream `<PREFIX>_READINGS`, subjects `<prefix>.readings.<sensor_type>.<station_id>`, durable `monitoring`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

INTAKE_DURABLE = "triage"
READINGS_DURABLE = "monitoring"
_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def token(value: str) -> str:
    """A value made safe as one subject token (no dots, spaces or wildcards)."""
    return _TOKEN.sub("_", value) or "_"


@dataclass(frozen=True)
class Subjects:
    """The agreed names under one prefix."""

    prefix: str = "gridloop"

    @property
    def intake_stream(self) -> str:
        """`<PREFIX>_INTAKE`."""
        return f"{self.prefix.upper()}_INTAKE"

    @property
    def readings_stream(self) -> str:
        """`<PREFIX>_READINGS`."""
        return f"{self.prefix.upper()}_READINGS"

    def intake(self, channel: str = "*") -> str:
        """`<prefix>.intake.report.<channel>` (`*`: every channel)."""
        return f"{self.prefix}.intake.report.{channel if channel == '*' else token(channel)}"

    def reading(self, sensor_type: str = "*", station_id: str = "*") -> str:
        """`<prefix>.readings.<sensor_type>.<station_id>` (`*`: any)."""
        parts = [p if p == "*" else token(p) for p in (sensor_type, station_id)]
        return f"{self.prefix}.readings.{parts[0]}.{parts[1]}"


class StreamMessage:
    """A message fetched from a pull consumer; ack, nak (redeliver, optionally after a delay) or in_progress."""

    def __init__(self, client: StreamClient, msg: Any) -> None:
        self._client = client
        self._msg = msg
        self.subject: str = msg.subject
        self.data: bytes = msg.data
        self.headers: dict[str, str] = dict(msg.headers or {})

    @property
    def deliveries(self) -> int:
        """How many times the server delivered this message (1 the first time)."""
        return int(self._msg.metadata.num_delivered)

    def ack(self) -> None:
        """Done: the server will not deliver it again."""
        self._client.run(self._msg.ack())

    def nak(self, delay: float | None = None) -> None:
        """Not done: deliver again (after `delay` seconds)."""
        self._client.run(self._msg.nak(delay=delay))

    def in_progress(self) -> None:
        """Still working: restart the ack wait."""
        self._client.run(self._msg.in_progress())


class PullConsumer:
    """A durable pull consumer: every process that binds the same durable shares its messages."""

    def __init__(self, client: StreamClient, sub: Any) -> None:
        self._client = client
        self._sub = sub

    def fetch(self, batch: int, timeout: float = 1.0) -> list[StreamMessage]:
        """Up to `batch` messages, waiting at most `timeout` seconds for the first (none: [])."""
        import nats.errors

        try:
            msgs = self._client.run(self._sub.fetch(batch, timeout=timeout), timeout=timeout + 5)
        except (nats.errors.TimeoutError, TimeoutError):
            return []
        return [StreamMessage(self._client, m) for m in msgs]

    def pending(self) -> int:
        """Messages in the stream not yet delivered to this consumer (the consumer's lag)."""
        info = self._client.run(self._sub.consumer_info())
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


class StreamClient:
    """One NATS connection with JetStream, used from any thread."""

    def __init__(self, url: str, *, connect_timeout: float = 5.0, max_reconnect_attempts: int = -1) -> None:
        """Connect (raising when the server cannot be reached within the timeout); `max_reconnect_attempts` -1
        keeps reconnecting for ever (workers), 0 or more gives up after that many retries, quietly (probes that
        connect again on their next look)."""
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gridloop-nats", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        try:
            self.run(self._connect(connect_timeout, max_reconnect_attempts), timeout=connect_timeout + 5)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise

    async def _connect(self, timeout: float, attempts: int) -> None:
        import nats

        if attempts >= 0:  # a probe: give up after one more try, quietly (its caller reports the server down)

            async def quiet(exc: Exception) -> None:
                log.debug("nats: %s", exc)

            self._nc = await nats.connect(self.url, connect_timeout=timeout, max_reconnect_attempts=max(attempts, 1),
                                          reconnect_time_wait=0.1, error_cb=quiet)  # fmt: skip
        else:
            self._nc = await nats.connect(self.url, connect_timeout=timeout, max_reconnect_attempts=-1)
        self._js = self._nc.jetstream()

    def consumer_lag(self, stream: str, durable: str) -> tuple[int, int] | None:
        """(messages not yet delivered, delivered but not acked) of a durable consumer; None when it does not
        exist."""
        import nats.js.errors

        try:
            info = self.run(self._js.consumer_info(stream, durable), timeout=5)
        except nats.js.errors.NotFoundError:
            return None
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float = 30.0) -> T:
        """Run a coroutine on the client's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def ensure_stream(self, name: str, subjects: list[str], *, max_age_seconds: float = 7 * 86400) -> None:
        """Create the stream (file storage, kept `max_age_seconds`), or update its subjects if it exists."""
        from nats.js.api import StreamConfig

        config = StreamConfig(name=name, subjects=subjects, max_age=max_age_seconds)

        async def go() -> None:
            try:
                await self._js.stream_info(name)
                await self._js.update_stream(config)
            except Exception:  # not found: create it
                await self._js.add_stream(config)

        self.run(go())

    def publish(self, subject: str, data: bytes, *, msg_id: str | None = None) -> int:
        """Publish and wait for the stream's ack; `msg_id` makes a re-publish within the duplicate window a no-op.
        Returns the stream sequence."""
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        ack = self.run(self._js.publish(subject, data, headers=headers))
        return int(ack.seq)

    def pull(self, stream: str, durable: str, subject: str, *, ack_wait: float = 60.0) -> PullConsumer:
        """Bind (creating it if needed) the durable pull consumer `durable` of `stream` filtered on `subject`."""
        from nats.js.api import AckPolicy, ConsumerConfig

        config = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait,
                                max_deliver=-1, filter_subject=subject)  # fmt: skip
        sub = self.run(self._js.pull_subscribe(subject, durable=durable, stream=stream, config=config))
        return PullConsumer(self, sub)

    def delete_stream(self, name: str) -> None:
        """Delete a stream (tests clean up their own)."""
        self.run(self._js.delete_stream(name))

    def close(self) -> None:
        """Drain the connection and stop the loop."""
        try:
            self.run(self._nc.drain(), timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


@dataclass(frozen=True)
class LagReading:
    """What a probe last read: whether the server answered, and each durable consumer's lag."""

    up: bool
    #: (stream, durable) -> (num_pending, num_ack_pending), for the consumers that exist.
    consumers: dict[tuple[str, str], tuple[int, int]]
    at: float


class LagProbe:
    """Reads the lag of durable consumers for `/metrics` without holding a scrape up: a reading older than `every`
    seconds is refreshed in a background thread (one at a time) and the scrape gets the newest reading there is
    (so it is at most `every` seconds plus one scrape interval old); only the very first scrape waits for the first
    reading, at most `wait` seconds. An unreachable server reads as down."""

    def __init__(self, url: str, consumers: list[tuple[str, str]], *, every: float = 5.0,
                 connect_timeout: float = 2.0) -> None:  # fmt: skip
        self.url = url
        self.consumers = consumers
        self.every = every
        self.connect_timeout = connect_timeout
        self._client: StreamClient | None = None
        self._reading: LagReading | None = None
        self._busy: threading.Thread | None = None
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        import time

        try:
            if self._client is None:
                self._client = StreamClient(self.url, connect_timeout=self.connect_timeout, max_reconnect_attempts=0)
            found = {}
            for stream, durable in self.consumers:
                lag = self._client.consumer_lag(stream, durable)
                if lag is not None:
                    found[(stream, durable)] = lag
            self._reading = LagReading(True, found, time.monotonic())
        except Exception:
            self._reading = LagReading(False, {}, time.monotonic())
            client, self._client = self._client, None
            if client is not None:
                threading.Thread(target=_close_quietly, args=(client,), daemon=True).start()

    def reading(self, *, wait: float = 1.0) -> LagReading | None:
        """The newest reading; one older than `every` is refreshed in the background (the first is waited for, at
        most `wait` seconds)."""
        import time

        with self._lock:
            fresh = self._reading is not None and time.monotonic() - self._reading.at < self.every
            if not fresh and (self._busy is None or not self._busy.is_alive()):
                self._busy = threading.Thread(target=self._refresh, name="gridloop-nats-lag", daemon=True)
                self._busy.start()
            busy = self._busy
        if self._reading is None and busy is not None:
            busy.join(wait)
        return self._reading


def _close_quietly(client: StreamClient) -> None:
    with contextlib.suppress(Exception):  # the connection is gone already
        client.close()
