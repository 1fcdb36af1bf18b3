"""Readings over NATS JetStream (nats-py): subject names, publishing, and a durable pull consumer that acks late.

Names, agreed with the intake pipeline: prefix `GRIDLOOP_NATS_PREFIX` (default `gridloop`), stream
`<PREFIX>_READINGS` (upper-case), subjects `<prefix>.readings.<sensor_type>.<station_id>`, durable pull consumer
`monitoring`. One message is one reading as JSON (`ts`, `station_id`, `metric`, `value`, `unit`), with a
`Nats-Msg-Id` of station, metric and instant so JetStream drops a duplicate published within its window.

The consumer hands each fetched batch to a (blocking) handler and acknowledges only after the handler returned,
i.e. after the evaluation committed: delivery is at least once, and the readings table makes it idempotent.
When a fetch comes back full (more are waiting), the readings of its newest instant wait for the next batch, so
an instant is never judged on part of its readings.

With P station partitions (GRIDLOOP_READINGS_PARTITIONS > 1) a subject ends in `.p<k>`, k the station's partition
(domain/partitions.py), and partition k has its own durable consumer `monitoring-p<k>` filtered on
`<prefix>.readings.*.*.p<k>`: one worker per partition evaluates its stations in order, in parallel with the others.
Kept small and self-contained on purpose, so it can later be pointed at the platform's JetStream adapter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridloop.emergency.domain.partitions import check_partitions, partition_of
from gridloop.emergency.domain.rules import Reading
from gridloop.kernel.errors import InvalidInput

log = logging.getLogger("gridloop.emergency.jetstream")

_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")
DURABLE = "monitoring"
#: Seconds the readings of a held-back instant wait for the rest of their instant before they are judged alone.
HOLD_WAIT = 0.05


@dataclass(frozen=True)
class ReadingsSubjects:
    """The stream, subjects and consumers of readings under one prefix, in `partitions` station partitions."""

    prefix: str = "gridloop"
    partitions: int = 1

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.prefix):
            raise InvalidInput(f"NATS prefix {self.prefix!r}: letters, digits, '_' or '-' only")
        check_partitions(self.partitions)

    def check_partition(self, partition: int) -> None:
        """Refuse a partition number outside 0 … partitions-1."""
        if not 0 <= partition < self.partitions:
            raise InvalidInput(f"partition {partition}: give 0 to {self.partitions - 1}")

    def durable(self, partition: int = 0) -> str:
        """The durable consumer of a partition: `monitoring`, or `monitoring-p<k>` when partitioned."""
        return DURABLE if self.partitions == 1 else f"{DURABLE}-p{partition}"

    def filter(self, partition: int = 0) -> str:
        """What a partition's consumer reads: every readings subject, or those ending in `.p<k>`."""
        return self.wildcard if self.partitions == 1 else f"{self.prefix}.readings.*.*.p{partition}"

    @property
    def stream(self) -> str:
        """`<PREFIX>_READINGS`."""
        return f"{self.prefix.upper()}_READINGS"

    @property
    def wildcard(self) -> str:
        """Every readings subject."""
        return f"{self.prefix}.readings.>"

    def subject(self, sensor_type: str, station_id: str) -> str:
        """`<prefix>.readings.<sensor_type>.<station_id>`, then `.p<k>` (the station's partition) when partitioned."""
        for token in (sensor_type, station_id):
            if not _TOKEN.match(token):
                raise InvalidInput(f"{token!r} cannot be a subject token (letters, digits, '_' or '-')")
        subject = f"{self.prefix}.readings.{sensor_type}.{station_id}"
        return subject if self.partitions == 1 else f"{subject}.p{partition_of(station_id, self.partitions)}"


def encode(reading: Reading) -> bytes:
    """One reading as the JSON payload of its message."""
    return json.dumps(
        {"ts": reading.ts.isoformat(), "station_id": reading.station_id, "metric": reading.metric,
         "value": reading.value, "unit": reading.unit}, ensure_ascii=False,
    ).encode("utf-8")  # fmt: skip


def decode(payload: bytes) -> Reading:
    """A message's reading; ValueError when it is not one."""
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("a reading is a JSON object")
    value = data.get("value")
    if value is not None and not isinstance(value, int | float):
        raise ValueError("value must be a number or null")
    ts = datetime.fromisoformat(str(data["ts"]))
    return Reading(ts, str(data["station_id"]), str(data["metric"]), None if value is None else float(value),
                   str(data["unit"]))  # fmt: skip


async def _context(url: str) -> tuple[Any, Any]:
    import nats

    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
    return nc, nc.jetstream()


async def ensure_stream(js: Any, names: ReadingsSubjects) -> None:
    """Create the stream (file storage, limits retention) unless it exists."""
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await js.add_stream(name=names.stream, subjects=[names.wildcard])


async def publish(url: str, names: ReadingsSubjects, items: Iterable[tuple[str, Reading]]) -> int:
    """Publish (sensor type, reading) pairs, pipelined, waiting for every ack; returns how many."""
    nc, js = await _context(url)
    try:
        await ensure_stream(js, names)
        count = 0
        for sensor_type, r in items:
            msg_id = f"{r.station_id}:{r.metric}:{r.ts.isoformat()}"
            await js.publish_async(names.subject(sensor_type, r.station_id), encode(r), headers={"Nats-Msg-Id": msg_id})
            count += 1
        await js.publish_async_completed()
        return count
    finally:
        await nc.close()


def _cut(pending: list[Any], batch: int, *, more: bool) -> tuple[list[Any], list[Any]]:
    """(what to evaluate now, what to keep) of fetched (message, reading) pairs: at most a batch, and never part
    of an instant while more may be waiting, unless one instant fills a whole batch."""
    if not more and len(pending) <= batch:
        return pending, []
    head = pending[:batch]
    newest = max(r.ts for _, r in head)
    now = [(m, r) for m, r in head if r.ts != newest]
    if not now:
        return head, pending[batch:]
    return now, [(m, r) for m, r in head if r.ts == newest] + pending[batch:]


Handler = Callable[[Sequence[Reading]], set[int]]
"""Evaluates a batch (committing it); returns the positions it refused for good (they are terminated)."""


async def consume(
    url: str,
    names: ReadingsSubjects,
    handle: Handler,
    *,
    batch: int = 500,
    stop: threading.Event | None = None,
    idle_exit: float | None = None,
    fetch_timeout: float = 1.0,
    partition: int = 0,
) -> dict[str, float]:
    """Fetch batches from the (partition's) durable consumer, hand them to `handle`, ack after it returns."""
    from nats.errors import TimeoutError as FetchTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    stop = stop or threading.Event()
    counts: dict[str, float] = {"batches": 0, "acked": 0, "refused": 0, "retried": 0}
    nc, js = await _context(url)
    try:
        await ensure_stream(js, names)
        names.check_partition(partition)
        durable, subjects = names.durable(partition), names.filter(partition)
        config = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                                filter_subject=subjects, ack_wait=60, max_ack_pending=20_000)  # fmt: skip
        sub = await js.pull_subscribe(subjects, durable=durable, stream=names.stream, config=config)

        async def fetch(size: int, timeout: float | None) -> tuple[int, list[tuple[Any, Reading]], float]:
            """How many messages came within `timeout` (default: the fetch timeout), their readings (an
            unreadable payload is terminated), and when the fetch ended."""
            try:
                msgs = list(await sub.fetch(size, timeout=timeout or fetch_timeout))
            except (TimeoutError, FetchTimeout):
                return 0, [], time.monotonic()
            ended = time.monotonic()
            if msgs:
                counts.setdefault("first_fetch", time.time())
            decoded = []
            for m in msgs:
                try:
                    decoded.append((m, decode(m.data)))
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("dropping an unreadable reading on %s: %s", m.subject, exc)
                    await m.term()
                    counts["refused"] += 1
            return len(msgs), decoded, ended

        async def settle(msgs: list[Any], refused: set[int]) -> None:
            """Ack a committed batch (terminate the rows it refused for good)."""
            for i, m in enumerate(msgs):
                await (m.term() if i in refused else m.ack())
            counts["acked"] += len(msgs) - len(refused)
            counts["refused"] += len(refused)
            counts["last_ack"] = time.time()

        idle = 0.0
        pending: list[tuple[Any, Reading]] = []  # fetched, not evaluated yet, in the order they came
        acking: asyncio.Task[None] | None = None  # the previous batch's acks, sent while this batch is evaluated
        upcoming: asyncio.Future[tuple[int, list[tuple[Any, Reading]], float]] | None = None
        evaluated_at = 0.0  # when the last batch was evaluated (a fetch that ran meanwhile competed with it)
        while not stop.is_set():
            more = True  # whether more readings may be waiting: then the newest instant waits for the rest
            if len(pending) < batch:
                if upcoming is None:
                    # while readings are in hand, take only what is waiting now (a moment); else wait for some
                    upcoming = asyncio.ensure_future(fetch(batch - len(pending), HOLD_WAIT if pending else None))
                fetched, decoded, ended = await upcoming
                upcoming = None
                pending += decoded
                if not fetched and not pending:
                    idle += fetch_timeout
                    if idle_exit is not None and idle >= idle_exit:
                        break
                    continue
                idle = 0.0
                if fetched and len(pending) < batch:
                    continue  # part of a batch came: take the rest of what is waiting
                if not fetched and ended < evaluated_at:
                    continue  # it came back empty while a batch was evaluated: look again before judging
                more = bool(fetched)
            now, pending = _cut(pending, batch, more=more)
            if len(pending) < batch:  # the next batch is fetched while this one is evaluated (acked after commit)
                upcoming = asyncio.ensure_future(fetch(batch - len(pending), HOLD_WAIT if pending else None))
            readable, readings = [m for m, _ in now], [r for _, r in now]
            try:
                refused = await asyncio.to_thread(handle, readings)
            except Exception:  # the batch was not committed: let JetStream deliver it again
                log.exception("evaluating a batch of %d readings failed; it will be redelivered", len(readings))
                back = readable + [m for m, _ in pending]  # what was fetched after it goes back too, in order
                if upcoming is not None:
                    back += [m for m, _ in (await upcoming)[1]]
                    upcoming = None
                for m in back:
                    await m.nak(delay=1)
                counts["retried"] += len(back)
                pending = []
                await asyncio.sleep(1)
                continue
            evaluated_at = time.monotonic()
            if acking is not None:
                await acking
            acking = asyncio.create_task(settle(readable, refused))
            counts["batches"] += 1
        if acking is not None:
            await acking
        left = [m for m, _ in pending] + ([m for m, _ in (await upcoming)[1]] if upcoming is not None else [])
        for m in left:  # fetched but not evaluated: hand them back at once
            await m.nak()
        await nc.flush()
        return counts
    finally:
        await nc.close()
