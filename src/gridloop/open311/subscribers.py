"""Webhooks: a key with a webhook URL hears of status changes of the requests it submitted (signed, via outbox)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import queries
from gridloop.kernel.events import CaseEvent
from gridloop.kernel.ports import Notice
from gridloop.open311 import domain
from gridloop.open311.tables import Open311KeyRow, Open311RequestRow
from gridloop.platform.db.batch import batch_cached, batch_scope
from gridloop.platform.deps import ServiceDeps

CHANNEL = "subscriber"


def sign(secret: str, body: str) -> str:
    """The X-Open311-Signature header value: `sha256=` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def on_case_changed(session: Session, event: CaseEvent, deps: ServiceDeps) -> None:
    """Subscriber of the lifecycle events: when a request's Open311 status notes changed, tell its key's webhook."""
    scope = batch_scope(session)
    if scope is not None and event.number in scope.case_numbers:  # a batch transaction: asked once for its cases
        numbers = list(scope.case_numbers)
        requested = batch_cached(
            session,
            "open311 requested cases",
            lambda: set(
                session.scalars(select(Open311RequestRow.case_number).where(Open311RequestRow.case_number.in_(numbers)))
            ),
        )
        if event.number not in requested:
            return
    found = session.execute(
        select(Open311RequestRow, Open311KeyRow)
        .join(Open311KeyRow, Open311KeyRow.id == Open311RequestRow.key_id)
        .where(Open311RequestRow.case_number == event.number, Open311KeyRow.webhook_url.is_not(None))
    ).first()
    if found is None:
        return
    request, key = found
    case = queries.get_case(session, event.actor, event.case_id)
    if case.status == request.last_status or key.revoked_at is not None:
        return
    request.last_status = case.status
    status, notes = domain.open311_status(case.status)
    body = json.dumps(
        {"service_request_id": case.number, "token": request.token, "status": status, "status_notes": notes,
         "updated_datetime": domain.w3c(event.at)}, ensure_ascii=False, sort_keys=True,
    )  # fmt: skip
    payload: dict[str, Any] = {"url": key.webhook_url, "body": body,
                               "headers": {"X-Open311-Signature": sign(key.webhook_secret or "", body)}}  # fmt: skip
    notice = Notice(kind="open311.status", title=f"{case.number}: {status}", body=notes, case_number=case.number,
                    payload=payload)  # fmt: skip
    deps.outbox.enqueue(session, notice, now=event.at, to=CHANNEL)
