"""`/metrics` in the Prometheus text format: the triage queue (depth, oldest age, not yet published to JetStream),
triage lag of recent reports, the outbox, overdue cases. Read from the database at each scrape, so every API
process answers the same. Open to localhost; from elsewhere only with `Authorization: Bearer <GRIDLOOP_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from gridloop.cases.services.triage_queue import PipelineFigures, pipeline_figures
from gridloop.kernel.errors import Forbidden
from gridloop.platform.web.deps import DepsDep, SessionDep, client_address

router = APIRouter(tags=["meta"])
LOCAL = {"127.0.0.1", "::1", "localhost", "testclient"}
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def _allowed(request: Request, token: str) -> bool:
    if client_address(request) in LOCAL:
        return True
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def render(figures: PipelineFigures) -> bytes:
    """The figures as Prometheus text exposition."""
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
    body = render(pipeline_figures(session, now=deps.clock.now()))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
