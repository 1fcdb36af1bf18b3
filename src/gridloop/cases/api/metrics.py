"""`/metrics` in the Prometheus text format: the triage queue (depth, oldest age, not yet published to JetStream),
triage lag of recent reports, the outbox, overdue cases. Read from the database at each scrape, so every API
process answers the same. With GRIDLOOP_NATS_URL also the JetStream consumers' lag (`gridloop_stream_up`,
`gridloop_stream_consumer_pending` / `_ack_pending` per durable consumer), read by a probe that never holds a
scrape up for more than about a second and reads at most every few seconds (platform.stream.LagProbe).
Open to localhost; from elsewhere only with `Authorization: Bearer <GRIDLOOP_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response

from gridloop.cases.services.triage_queue import PipelineFigures, pipeline_figures
from gridloop.kernel.errors import Forbidden
from gridloop.platform.stream import INTAKE_DURABLE, READINGS_DURABLE, LagProbe, LagReading, Subjects
from gridloop.platform.web.deps import DepsDep, SessionDep, client_address

router = APIRouter(tags=["meta"])
LOCAL = {"127.0.0.1", "::1", "localhost", "testclient"}
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def _allowed(request: Request, token: str) -> bool:
    if client_address(request) in LOCAL:
        return True
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def render(figures: PipelineFigures, *, stream: LagReading | None = None, streaming: bool = False) -> bytes:
    """The figures as Prometheus text exposition; with `streaming` (GRIDLOOP_NATS_URL set) the stream's gauges
    too: `gridloop_stream_up` (0 without a reading or when the server did not answer) and the lag of each durable
    consumer the last reading found."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

    q = figures.queue
    gauges = [
        ("gridloop_triage_queue_depth", "Reports waiting for triage", q.depth),
        ("gridloop_triage_queue_oldest_age_seconds", "Age of the oldest report waiting for triage",
         q.oldest_age_seconds),
        ("gridloop_stream_unpublished", "Queued reports not yet published to JetStream", q.unpublished),
        ("gridloop_stream_unpublished_oldest_age_seconds", "Age of the oldest report not yet published",
         q.oldest_unpublished_age_seconds),
        ("gridloop_outbox_pending", "Outbox messages waiting for delivery", figures.outbox_pending),
        ("gridloop_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox message",
         figures.outbox_oldest_age_seconds),
        ("gridloop_cases_overdue", "Open cases past the deadline of their current step", figures.overdue_open_cases),
    ]  # fmt: skip
    lags = sorted(figures.recent_lags_seconds)
    buckets = [(str(b), sum(1 for x in lags if x <= b)) for b in LAG_BUCKETS] + [("+Inf", len(lags))]

    class Collector:
        def collect(self) -> object:
            for name, doc, value in gauges:
                yield GaugeMetricFamily(name, doc, value=float(value))
            yield HistogramMetricFamily(
                "gridloop_triage_lag_seconds",
                "Report stored → triage stored, reports triaged in the last 5 minutes",
                buckets=buckets,
                sum_value=sum(lags),
            )
            if streaming:
                yield GaugeMetricFamily("gridloop_stream_up", "Whether the JetStream server answered the last probe",
                                        value=1.0 if stream is not None and stream.up else 0.0)  # fmt: skip
                pending = GaugeMetricFamily("gridloop_stream_consumer_pending",
                                            "Messages of the stream not yet delivered to the durable consumer",
                                            labels=["stream", "consumer"])  # fmt: skip
                acking = GaugeMetricFamily("gridloop_stream_consumer_ack_pending",
                                           "Messages delivered to the durable consumer and not yet acknowledged",
                                           labels=["stream", "consumer"])  # fmt: skip
                for (name, durable), (waiting, unacked) in sorted((stream.consumers if stream else {}).items()):
                    pending.add_metric([name, durable], float(waiting))
                    acking.add_metric([name, durable], float(unacked))
                yield pending
                yield acking

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector())  # type: ignore[arg-type]
    return bytes(generate_latest(registry))


@router.get(
    "/metrics",
    summary="Prometheus metrics (localhost, or a bearer GRIDLOOP_METRICS_TOKEN)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4"}},
)
def metrics(request: Request, session: SessionDep, deps: DepsDep) -> Response:
    """Queue depth and age, stream backlog, triage lag, outbox age, overdue cases."""
    if not _allowed(request, request.app.state.container.settings.metrics_token):
        raise Forbidden("/metrics answers localhost, or a bearer GRIDLOOP_METRICS_TOKEN.")
    settings = request.app.state.container.settings
    reading = _probe(request.app.state, settings).reading() if settings.nats_url else None
    body = render(pipeline_figures(session, now=deps.clock.now()), stream=reading, streaming=bool(settings.nats_url))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _probe(state: Any, settings: Any) -> LagProbe:
    """The app's probe of the intake and readings consumers, made on the first scrape."""
    probe: LagProbe | None = getattr(state, "stream_lag_probe", None)
    if probe is None:
        subjects = Subjects(settings.nats_prefix)
        probe = LagProbe(settings.nats_url, [(subjects.intake_stream, INTAKE_DURABLE),
                                             (subjects.readings_stream, READINGS_DURABLE)])  # fmt: skip
        state.stream_lag_probe = probe
    return probe
