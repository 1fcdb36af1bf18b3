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


class AddressedWebhookNotifier:
    """POSTs a prepared body to the URL the notice carries (`payload`: url, body, headers), e.g. signed webhooks
    of subscribers; raises on failure for the outbox to retry."""

    def __init__(self, *, timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self.timeout = timeout
        self._client = client

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        """POST `payload["body"]` as is (so a signature over it stays valid) to `payload["url"]`."""
        headers = {"Content-Type": "application/json; charset=utf-8", **notice.payload.get("headers", {}),
                   "Idempotency-Key": message_id, "X-Gridloop-Message-Id": message_id}  # fmt: skip
        post = self._client.post if self._client is not None else httpx.post
        response = post(notice.payload["url"], content=notice.payload["body"].encode(), headers=headers,
                        timeout=self.timeout)  # fmt: skip
        response.raise_for_status()

    def notify(self, notice: Notice) -> None:
        """Deliver now, logging a failure."""
        import uuid

        try:
            self.deliver(notice, message_id=str(uuid.uuid4()))
        except httpx.HTTPError as exc:
            log.error("addressed webhook failed for %s on case %s: %s", notice.kind, notice.case_number, exc)


class FanoutNotifier:
    """Delivers each notice to every notifier in turn."""

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    def notify(self, notice: Notice) -> None:
        """Deliver to all."""
        for notifier in self.notifiers:
            notifier.notify(notice)


class RecordingNotifier:
    """The SMS / WeChat channel's test double: keeps every message it is given (once per message id), sends none.

    A real provider (Aliyun SMS, Tencent Cloud SMS; WeCom (企业微信) application messages or a WeChat official
    account's template messages) implements the same `deliver(notice, message_id=…)`: it looks up the person
    named in `notice.payload["user"]`, sends `notice.title`, and raises when the provider refuses, so the outbox
    retries; the provider's own idempotency key is the message id.
    """

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: dict[str, Notice] = {}

    def deliver(self, notice: Notice, *, message_id: str) -> None:
        """Record one message (a repeated message id is kept once, as a provider deduplicates it)."""
        self.sent.setdefault(message_id, notice)

    def notify(self, notice: Notice) -> None:
        """Record one notice outside the outbox."""
        import uuid

        self.deliver(notice, message_id=str(uuid.uuid4()))


#: Providers of the outbound people's channels (`GRIDLOOP_NOTICE_CHANNELS`, e.g. "sms=record,wechat=record").
PERSON_PROVIDERS = {"record": RecordingNotifier}
PERSON_CHANNELS = ("sms", "wechat")


def build_person_channels(spec: str) -> dict[str, RecordingNotifier]:
    """The outbox's addressed channels that reach people (SMS, WeChat) from "channel=provider,…"; empty = none."""
    channels: dict[str, RecordingNotifier] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, provider = part.partition("=")
        name, provider = name.strip(), (provider.strip() or "record")
        if name not in PERSON_CHANNELS or provider not in PERSON_PROVIDERS:
            raise ValueError(
                f"GRIDLOOP_NOTICE_CHANNELS: {part!r} is not channel=provider with channel in "
                f"{', '.join(PERSON_CHANNELS)} and provider in {', '.join(PERSON_PROVIDERS)}"
            )
        channels[name] = PERSON_PROVIDERS[provider](name)
    return channels


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
