"""Subscribers' webhooks: a key's requests announce status changes through the outbox, signed with HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

BASE = "/open311/v2"


def _dispatch(as_user: Any, number: str) -> None:
    dispatcher = as_user("dispatcher")
    case = dispatcher.get("/api/v1/cases", params={"text": number}).json()["items"][0]
    r = dispatcher.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    assert r.status_code == 200, r.text


def test_status_change_of_a_keys_request_reaches_its_webhook_signed(
    app_client: Any, container: Any, clock: Any, as_user: Any
) -> None:
    from gridloop.open311.services.keys import issue_key
    from gridloop.platform.notify import AddressedWebhookNotifier
    from gridloop.platform.outbox import Dispatcher

    with container.uow() as uow:
        key, secret = issue_key(uow, name="hooked", now=clock.now(), webhook_url="https://partner.example/hook")
    assert secret
    code = app_client.get(f"{BASE}/services.json").json()[0]["service_code"]
    form = {"api_key": key, "service_code": code, "lat": "31.23", "long": "121.47", "description": "垃圾满溢"}
    number = app_client.post(f"{BASE}/requests.json", data=form).json()[0]["service_request_id"]
    _dispatch(as_user, number)

    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    container.deps.outbox.addressed["subscriber"] = AddressedWebhookNotifier(client=httpx.Client(transport=transport))
    report = Dispatcher(container.uow.engine, container.deps.outbox, clock, sleep=lambda _s: None).deliver_pending()
    assert report.sent >= 1
    hooks = [r for r in seen if r.url == "https://partner.example/hook"]
    assert len(hooks) == 1
    body = hooks[0].content
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hooks[0].headers["x-open311-signature"] == expected
    sent = json.loads(body)
    assert sent["service_request_id"] == number and sent["status"] == "open" and "派单" in sent["status_notes"]
    assert hooks[0].headers["idempotency-key"]


def test_requests_of_keys_without_webhook_and_other_cases_send_nothing(
    app_client: Any, container: Any, clock: Any, as_user: Any
) -> None:
    from sqlalchemy import text

    from gridloop.open311.services.keys import create_key

    with container.uow() as uow:
        key = create_key(uow, name="quiet", now=clock.now())
    code = app_client.get(f"{BASE}/services.json").json()[0]["service_code"]
    form = {"api_key": key, "service_code": code, "address_string": "长寿路"}
    number = app_client.post(f"{BASE}/requests.json", data=form).json()[0]["service_request_id"]
    _dispatch(as_user, number)
    with container.uow.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE channel = 'subscriber'")).scalar() == 0
