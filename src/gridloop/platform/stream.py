"""A thin NATS JetStream adapter (nats-py) for threads: connect, ensure a stream, publish, and a durable pull
consumer with ack / nak / in-progress. The client runs on its own event loop in a daemon thread; every call here
blocks the calling thread until the server answered, so services and workers stay synchronous.

Subjects and streams (docs/deploy.md), with `prefix` = GRIDLOOP_NATS_PREFIX (default `gridloop`):

- stream `<PREFIX>_INTAKE`, subjects `<prefix>.intake.report.<channel>`, durable consumer `triage`;
- stream `<PREFIX>_READINGS`, subjects `<prefix>.readings.<sensor_type>.<station_id>`, durable `monitoring`.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

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

    def __init__(self, url: str, *, connect_timeout: float = 5.0) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gridloop-nats", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        self.run(self._connect(connect_timeout), timeout=connect_timeout + 5)

    async def _connect(self, timeout: float) -> None:
        import nats

        self._nc = await nats.connect(self.url, connect_timeout=timeout, max_reconnect_attempts=-1)
        self._js = self._nc.jetstream()

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
