"""Notices come from case events in the same transaction: a new dispatch tells the unit, a return the dispatchers,
a follower hears of every change; preferences, SMS through the outbox, the live stream and its reconnect."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gridloop.cases.services.supervision import scheduled_tick
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.platform.db.outbox import OutboxRow
from tests.factories import case_body

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo_catalogue(container, clock):
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())


def _notices(api, **params):
    r = api.get("/api/v1/notices", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _dispatched_case(as_user):
    case = as_user("operator").post("/api/v1/cases", json=case_body()).json()
    assert case["status"] == "dispatched", case
    return case


def test_a_new_dispatch_appears_in_the_lead_units_notice_centre(as_user, demo_catalogue):
    case = _dispatched_case(as_user)
    got = _notices(as_user("putuo_housing"))
    assert got["unread"] == 1, got
    notice = got["items"][0]
    assert notice["kind"] == "dispatch" and notice["case_id"] == case["id"]
    assert notice["message"]["zh"].startswith(f"工单 {case['number']} 已派给本单位"), notice
    assert "13812345678" not in str(notice), "no personal data in a notice"
    assert _notices(as_user("dispatcher"))["unread"] == 0, "a dispatch does not tell the dispatchers"


def test_a_return_tells_the_dispatchers_with_the_reason_and_the_returning_unit(as_user, demo_catalogue):
    case = _dispatched_case(as_user)
    r = as_user("putuo_housing").post(
        f"/api/v1/cases/{case['id']}/actions", json={"action": "return", "reason": "不属于本单位职责，应由街道处理"}
    )
    assert r.status_code == 200, r.text
    items = [n for n in _notices(as_user("dispatcher"))["items"] if n["kind"] == "return"]
    assert len(items) == 1, items
    assert "不属于本单位职责" in items[0]["message"]["zh"] and "退回" in items[0]["message"]["zh"], items[0]


def test_a_follower_hears_of_every_change_but_not_of_their_own(as_user, demo_catalogue):
    case = _dispatched_case(as_user)
    op = as_user("operator")
    assert op.client.put(f"/api/v1/notices/follows/{case['id']}", headers=op._h()).json()["following"] is True
    as_user("putuo_housing").post(f"/api/v1/cases/{case['id']}/actions", json={"action": "sign"})
    items = _notices(op)["items"]
    assert [n["kind"] for n in items] == ["followed"], items
    assert "签收" in items[0]["message"]["zh"] and items[0]["payload"]["action_code"] == "sign", items[0]
    op.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "supervise", "note": "请加快"})
    assert len(_notices(op)["items"]) == 1, "my own action is not a notice to me"


def test_following_a_case_outside_my_scope_answers_not_found(as_user, demo_catalogue):
    case = _dispatched_case(as_user)
    other = as_user("yangpu_housing")
    r = other.client.put(f"/api/v1/notices/follows/{case['id']}", headers=other._h())
    assert r.status_code == 404, r.text


def test_marking_read_lowers_the_count_and_another_persons_notice_is_not_found(as_user, demo_catalogue):
    _dispatched_case(as_user)
    handler = as_user("putuo_housing")
    notice = _notices(handler)["items"][0]
    assert as_user("dispatcher").post(f"/api/v1/notices/{notice['id']}/read").status_code == 404
    assert handler.post(f"/api/v1/notices/{notice['id']}/read").json()["read"] is True
    assert handler.get("/api/v1/notices/unread-count").json() == {"unread": 0}


def test_a_handler_who_turns_dispatch_notices_off_gets_none_and_sms_goes_through_the_outbox(
    container, as_user, demo_catalogue
):
    handler = as_user("putuo_housing")
    body = {"choices": [{"kind": "dispatch", "channel": "in_app", "enabled": False}]}
    r = handler.client.put("/api/v1/notices/preferences", json=body, headers=handler._h())
    assert r.status_code == 200, r.text
    _dispatched_case(as_user)
    assert _notices(handler)["unread"] == 0
    with container.uow() as uow:
        channels = uow.session.scalars(select(OutboxRow.channel).where(OutboxRow.topic == "notice.dispatch")).all()
    assert channels == [], "SMS is a handler's default for dispatches, but no SMS provider is configured here"


def test_an_unknown_preference_kind_is_refused_with_422(as_user):
    api = as_user("putuo_housing")
    r = api.client.put("/api/v1/notices/preferences", json={"choices": [{"kind": "x", "channel": "sms",
                       "enabled": True}]}, headers=api._h())  # fmt: skip
    assert r.status_code == 422


def test_a_deadline_within_24_hours_is_told_once(container, as_user, clock, demo_catalogue):
    _dispatched_case(as_user)
    clock.set(datetime(2026, 11, 27, 16, tzinfo=SH))  # the sign deadline is near
    for _ in range(2):
        scheduled_tick(container.uow, settings=container.settings, outbox=container.deps.outbox, deps=container.deps,
                       now=clock.now())  # fmt: skip
    kinds = [n["kind"] for n in _notices(as_user("putuo_housing"))["items"]]
    assert kinds.count("deadline") == 1, kinds


def test_the_stream_sends_missed_notices_after_last_event_id_and_needs_credentials(app_client, as_user, demo_catalogue):
    _dispatched_case(as_user)
    handler = as_user("putuo_housing")
    r = app_client.get("/api/v1/notices/stream", params={"max_seconds": 1},
                       headers={**handler._h(), "Last-Event-ID": "0"})  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert "retry: 3000" in r.text and "event: notice" in r.text, r.text
    notice_id = _notices(handler)["items"][0]["id"]
    assert f"id: {notice_id}\n" in r.text
    r = app_client.get("/api/v1/notices/stream", params={"max_seconds": 1},
                       headers={**handler._h(), "Last-Event-ID": str(notice_id)})  # fmt: skip
    assert "event: notice" not in r.text, "nothing is sent twice after a reconnect"
    assert app_client.get("/api/v1/notices/stream", params={"max_seconds": 1}).status_code == 401


def test_with_an_sms_provider_a_dispatch_is_texted_once_through_the_outbox(container, as_user, clock, demo_catalogue):
    from gridloop.platform.notify import build_person_channels
    from gridloop.platform.outbox import Dispatcher

    sms = build_person_channels("sms=record")["sms"]
    container.deps.outbox.addressed["sms"] = sms
    case = _dispatched_case(as_user)
    dispatcher = Dispatcher(container.uow.engine, container.deps.outbox, clock)
    dispatcher.deliver_pending()
    dispatcher.deliver_pending()
    texts = list(sms.sent.values())
    assert len(texts) == 1 and texts[0].case_number == case["number"], texts
    assert texts[0].payload["user"] == "putuo_housing" and "已派给本单位" in texts[0].title


def test_a_bad_channel_setting_is_refused_with_a_clear_message():
    from gridloop.platform.notify import build_person_channels

    with pytest.raises(ValueError, match="channel=provider"):
        build_person_channels("fax=record")


def test_openapi_declares_the_stream_as_text_event_stream(app_client):
    spec = app_client.get("/openapi.json").json()
    content = spec["paths"]["/api/v1/notices/stream"]["get"]["responses"]["200"]["content"]
    assert "text/event-stream" in content, content
    history = spec["paths"]["/api/v1/intake/caller-history"]["post"]
    assert "429" in history["responses"], "the look-up is throttled"
