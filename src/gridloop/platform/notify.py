"""Notifiers: to the log, to a webhook (JSON POST), or to several at once.

They are the outbox's delivery channels: the dispatcher calls `deliver(notice, message_id=…)`, which raises
when delivery fails so that the message is retried; `notify` (log the failure, never raise) stays for callers
outside the outbox.
"""

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

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        """Log one outbox message."""
        log.warning(
            "%s: %s (case %s, unit %s, message %s)",
            notice.kind,
            notice.title,
            notice.case_number,
            notice.unit_code,
            message_id,
        )


class WebhookNotifier:
    """POSTs each notice as JSON to a URL (`deliver` raises on failure for the outbox to retry; `notify` logs)."""

    def __init__(self, url: str, *, timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self._client = client

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        """POST one outbox message; the receiver deduplicates by its id (`Idempotency-Key`). Raises on failure."""
        headers = {"Idempotency-Key": message_id, "X-Gridloop-Message-Id": message_id}
        body = {**asdict(notice), "message_id": message_id}
        if self._client is not None:
            response = self._client.post(self.url, json=body, headers=headers, timeout=self.timeout)
        else:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        response.raise_for_status()

    def notify(self, notice: Notice) -> None:
        """Send one notice now (outside the outbox); failures are logged."""
        import uuid

        try:
            self.deliver(notice, message_id=str(uuid.uuid4()))
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


def build_channels(webhook_url: str | None, *, webhook_timeout: float = 5.0) -> dict[str, Notifier]:
    """The outbox's channels: the log, plus the webhook when a URL is configured."""
    channels: dict[str, Notifier] = {"log": LogNotifier()}
    if webhook_url:
        channels["webhook"] = WebhookNotifier(webhook_url, timeout=webhook_timeout)
    return channels


def build_notifier(webhook_url: str | None) -> Notifier:
    """The log notifier, plus a webhook notifier when a URL is configured."""
    if webhook_url:
        return FanoutNotifier([LogNotifier(), WebhookNotifier(webhook_url)])
    return LogNotifier()
