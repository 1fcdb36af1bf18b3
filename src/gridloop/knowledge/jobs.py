"""The knowledge base's background job for `serve`: expiry alerts to article owners, the search index built ahead of
the first suggestion, and the sentence vectors of new or changed articles (when `kb_semantic` is on), at start and
then once an hour."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from gridloop.platform.periodic import start_periodic

log = logging.getLogger("gridloop.knowledge")
#: Owners are alerted this many days before a published version's last valid day.
ALERT_DAYS = 30


def run_once(container: Any, *, days: int = ALERT_DAYS) -> int:
    """Queue the alerts not sent yet (outbox); returns how many."""
    from gridloop.knowledge.services.editing import send_expiry_alerts

    with container.uow() as uow:
        sent = send_expiry_alerts(uow, container.deps, days=days)
    semantic = bool(getattr(container.settings, "kb_semantic", False))
    now = container.deps.clock.now()
    today = now.astimezone(container.deps.tz).date()
    _warm_index(container, today=today, semantic=semantic)
    if semantic:
        from gridloop.knowledge.adapters.semantic import default_encoder
        from gridloop.knowledge.services.search import embed_missing

        embed_missing(uow=container.uow, today=today, now=now)
        default_encoder().encode(["预热"])  # load the model here, not during an operator's first search (≈ 1 s)
    return sent


def _warm_index(container: Any, *, today: date, semantic: bool) -> None:
    """Build or load the search index now (at start, then hourly), so an operator's first suggestion after a start
    does not wait for it (about 3–6 s for 4,000 articles, minutes at 100k)."""
    from gridloop.knowledge.services.search import current_index

    with container.uow() as uow:
        current_index(uow.session, today=today, semantic=semantic)


def start(container: Any, *, stop: threading.Event | None = None, interval: int = 3600) -> threading.Thread:
    """Run every `interval` seconds until `stop` is set; a failed run is logged, never fatal."""
    return start_periodic("kb-expiry", lambda: run_once(container), interval=interval, log=log,
                          what="knowledge expiry alerts", stop=stop)  # fmt: skip
