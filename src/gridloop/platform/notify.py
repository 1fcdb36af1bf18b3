"""Notifiers: to the log, to a webhook (JSON POST), or to several at once. Delivery failures are logged."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict

import httpx

from gridloop.kernel.ports import Notice, Notifier

log = logging.getLogger("gridloop.notice")


class LogNotifier:
    """Writes notices to the log (notices carry case numbers and unit codes, never personal data)."""

    def notify(self, notice: Notice) -> None:
        """Log one notice."""
        log.warning("%s: %s (case %s, unit %s)", notice.kind, notice.title, notice.case_number, notice.unit_code)


class WebhookNotifier:
    """POSTs each notice as JSON to a URL; failures are logged, never raised."""

    def __init__(self, url: str, *, timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self._client = client

    def notify(self, notice: Notice) -> None:
        """Send one notice."""
        try:
            if self._client is not None:
                response = self._client.post(self.url, json=asdict(notice), timeout=self.timeout)
            else:
                response = httpx.post(self.url, json=asdict(notice), timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.error("webhook delivery failed for %s on case %s: %s", notice.kind, notice.case_number, exc)


class FanoutNotifier:
    """Delivers each notice to every notifier in turn."""

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    def notify(self, notice: Notice) -> None:
        """Deliver to all."""
        for notifier in self.notifiers:
            notifier.notify(notice)


def build_notifier(webhook_url: str | None) -> Notifier:
    """The log notifier, plus a webhook notifier when a URL is configured."""
    if webhook_url:
        return FanoutNotifier([LogNotifier(), WebhookNotifier(webhook_url)])
    return LogNotifier()
