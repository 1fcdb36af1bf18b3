"""The public reporting site: a resident reports without logging in (after a proof of work), follows the case by
a secret link, confirms or disputes the fix; the public list shows moderated text, blurred points, no private
categories; abuse is limited."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select

from gridloop.cases.tables import CaseRow
from gridloop.citizen.domain import blur, check_challenge, is_private
from gridloop.citizen.tables import PublicReportRow
from gridloop.platform.container import Container
from tests.web_helpers import csrf_of, login, post_form

CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def _solve(token: str, bits: int = 16) -> str:
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{token}:{nonce:x}".encode()).digest()
        if int.from_bytes(digest[:8], "big") >> (64 - bits) == 0:
            return f"{nonce:x}"
        nonce += 1


def _report(client: Any, **fields: str) -> Any:
    page = client.get("/report")
    assert page.status_code == 200
    token = CHALLENGE.search(page.text).group(1)  # type: ignore[union-attr]
    data = {
        "text": "长寿路500弄门口的路灯连续三晚不亮，晚上很黑",
        "address": "普陀区长寿路500弄",
        "phone": "13812345678",
        "lng": "121.4312",
        "lat": "31.2405",
    }
    data.update(fields)
    return client.post(
        "/report", data={**data, "csrf": csrf_of(page.text), "challenge": token, "nonce": _solve(token)},
        follow_redirects=False,
    )  # fmt: skip


def test_a_resident_reports_without_login_and_gets_a_number_and_a_tracking_link(
    app_client: Any, container: Container
) -> None:
    made = _report(app_client)
    assert made.status_code == 201, made.text[:2000]
    number = re.search(r'id="case-number">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    link = re.search(r'id="track-link" href="([^"]+)"', made.text).group(1)  # type: ignore[union-attr]
    with container.uow() as uow:
        case = uow.session.scalars(select(CaseRow).where(CaseRow.number == number)).one()
        assert case.channel == "web" and "public" in case.tags and case.reporter_phone == "13812345678"
        row = uow.session.scalars(select(PublicReportRow).where(PublicReportRow.case_id == case.id)).one()
        assert row.moderation == "pending" and row.token_hash != link.rsplit("/", 1)[1]  # stored hashed
        assert (row.lng, row.lat) != (121.4312, 31.2405)  # blurred
    page = app_client.get(link.replace("http://testserver", ""))
    assert page.status_code == 200 and number in page.text and "已受理" in page.text
    assert "13812345678" not in page.text


def test_a_report_without_proof_of_work_or_with_bad_fields_is_reshown_with_each_field_marked(app_client: Any) -> None:
    page = app_client.get("/report")
    token = CHALLENGE.search(page.text).group(1)  # type: ignore[union-attr]
    bad = app_client.post("/report", data={"csrf": csrf_of(page.text), "challenge": token, "nonce": "0",
                                           "text": "灯", "phone": "12345", "address": ""})  # fmt: skip
    assert bad.status_code == 422
    assert bad.text.count('aria-invalid="true"') >= 3 and "页面已过期" in bad.text
    assert 'value="12345"' in bad.text  # what was typed is kept


def test_a_solved_challenge_cannot_send_a_second_report(app_client: Any) -> None:
    page = app_client.get("/report")
    token = CHALLENGE.search(page.text).group(1)  # type: ignore[union-attr]
    data = {"csrf": csrf_of(page.text), "challenge": token, "nonce": _solve(token), "text": "小区垃圾房满溢无人清运",
            "address": "长寿路500弄", "anonymous": "1"}  # fmt: skip
    assert app_client.post("/report", data=data).status_code == 201
    again = app_client.post("/report", data=data)
    assert again.status_code == 422 and "已提交过" in again.text


def test_one_device_is_throttled_after_a_few_reports(app_client: Any) -> None:
    codes = [_report(app_client, anonymous="1", phone="").status_code for _ in range(4)]
    assert codes[:3] == [201, 201, 201] and codes[3] == 429


def test_the_public_list_shows_only_moderated_text_and_never_a_private_category(
    app_client: Any, container: Container
) -> None:
    assert _report(app_client).status_code == 201
    assert "路灯" not in app_client.get("/nearby").text  # pending moderation
    login(app_client, "dispatcher")
    queue = app_client.get("/moderation")
    assert queue.status_code == 200 and "138****5678" not in queue.text and "路灯" in queue.text
    rid = int(re.search(r'id="moderate-(\d+)"', queue.text).group(1))  # type: ignore[union-attr]
    done = post_form(app_client, f"/moderation/{rid}", {"decision": "approved", "text": "长寿路路灯不亮"},
                     from_page="/moderation")  # fmt: skip
    assert done.status_code == 303
    public = app_client.get("/nearby")
    assert "长寿路路灯不亮" in public.text and "13812345678" not in public.text
    with container.uow() as uow:
        row = uow.session.get(PublicReportRow, rid)
        assert row is not None
        row.private = True
        uow.commit()
    assert "长寿路路灯不亮" not in app_client.get("/nearby").text


def test_moderation_is_not_for_handlers(app_client: Any) -> None:
    login(app_client, "putuo_street")
    assert app_client.get("/moderation").status_code == 403


def test_the_resident_disputes_the_fix_and_the_case_goes_back_to_the_desk_as_a_dissatisfied_callback(
    app_client: Any, container: Container, as_user: Any
) -> None:
    made = _report(app_client)
    link = re.search(r'id="track-link" href="http://testserver([^"]+)"', made.text).group(1)  # type: ignore[union-attr]
    number = re.search(r'id="case-number">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    operator, dispatcher, handler = as_user("operator"), as_user("dispatcher"), as_user("putuo_housing")
    with container.uow() as uow:
        case = uow.session.scalars(select(CaseRow).where(CaseRow.number == number)).one()
        case_id, status = case.id, case.status
    route = "dispatch" if status == "received" else "redispatch"
    for api, action, inputs in [
        (dispatcher, route, {"unit": "310107-FG", "reason": "改派"}),
        (handler, "sign", {}),
        (handler, "first_contact", {"note": "已联系"}),
        (handler, "reply", {"reply": "已更换灯泡，恢复照明。"}),
        (operator, "approve_reply", {}),
    ]:
        got = api.post(f"/api/v1/cases/{case_id}/actions", json={"action": action, **inputs})
        assert got.status_code == 200, f"{action}: {got.text}"
    page = app_client.get(link)
    assert "已更换灯泡" in page.text and 'id="feedback-form"' in page.text
    form = {"csrf": csrf_of(page.text), "verdict": "disputed", "rating": "2", "note": "晚上还是不亮，电话13812345678"}
    sent = app_client.post(f"{link}/feedback", data=form, follow_redirects=False)
    assert sent.status_code == 303
    with container.uow() as uow:
        case = uow.session.get(CaseRow, case_id)
        assert case is not None and case.status == "called_back" and case.satisfaction == "dissatisfied"
        row = uow.session.scalars(select(PublicReportRow).where(PublicReportRow.case_id == case_id)).one()
        assert row.feedback == "disputed" and row.rating == 2 and "13812345678" not in (row.feedback_note or "")
    assert "没有解决" not in app_client.get(link).text  # answered once; the form is gone


def test_the_puzzle_and_privacy_rules() -> None:
    secret = b"k" * 32
    from gridloop.citizen.domain import sign_challenge

    token = sign_challenge(secret, 1000, "abcd")
    assert check_challenge(secret, token, _solve(token), bits=16, now=1100, max_age=600) is None
    assert check_challenge(secret, token, _solve(token), bits=16, now=5000, max_age=600) == "expired"
    assert check_challenge(b"x" * 32, token, "1", bits=16, now=1100, max_age=600) == "forged"
    assert is_private("petition", "信访") and not is_private("urban", "城乡建设")
    lng, lat = blur(121.43127, 31.24051)
    assert lng is not None and lat is not None and abs(lng - 121.43127) < 0.005 and (lng, lat) != (121.43127, 31.24051)


def _jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_report_carries_photos_seen_by_the_resident_and_on_the_public_list_only_after_moderation(
    app_client: Any,
) -> None:
    page = app_client.get("/report")
    token = CHALLENGE.search(page.text).group(1)  # type: ignore[union-attr]
    fields = {"csrf": csrf_of(page.text), "challenge": token, "nonce": _solve(token), "text": "路灯坏了，灯杆也歪了",
              "address": "长寿路500弄", "anonymous": "1"}  # fmt: skip
    files = [("photos", ("a.jpg", _jpeg(), "image/jpeg")), ("photos", ("b.jpg", _jpeg(), "image/jpeg"))]
    made = app_client.post("/report", data=fields, files=files)
    assert made.status_code == 201, made.text[:1500]
    link = re.search(r'id="track-link" href="http://testserver([^"]+)"', made.text).group(1)  # type: ignore[union-attr]
    own = app_client.get(link).text
    photos = re.findall(r'src="(/track/[^"]+/photos/\d+)"', own)
    assert len(photos) == 2
    got = app_client.get(photos[0])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    pid = photos[0].rsplit("/", 1)[1]
    assert app_client.get(f"/nearby/photos/{pid}").status_code == 404  # not public before moderation
    login(app_client, "dispatcher")
    queue = app_client.get("/moderation").text
    rid = int(re.search(r'id="moderate-(\d+)"', queue).group(1))  # type: ignore[union-attr]
    post_form(app_client, f"/moderation/{rid}", {"decision": "approved", "text": "路灯坏了"}, from_page="/moderation")
    assert app_client.get(f"/nearby/photos/{pid}").status_code == 200


def test_a_file_that_is_not_a_photo_is_refused_on_its_field_and_the_text_is_kept(app_client: Any) -> None:
    page = app_client.get("/report")
    token = CHALLENGE.search(page.text).group(1)  # type: ignore[union-attr]
    fields = {"csrf": csrf_of(page.text), "challenge": token, "nonce": _solve(token), "text": "路灯坏了，灯杆也歪了",
              "address": "长寿路500弄", "anonymous": "1"}  # fmt: skip
    bad = app_client.post("/report", data=fields, files=[("photos", ("x.html", b"<script>", "text/html"))])
    assert bad.status_code == 422 and "只能上传照片" in bad.text and "路灯坏了，灯杆也歪了" in bad.text


def test_one_address_is_throttled_across_two_processes(db_url: str) -> None:
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import build_container, create_app
    from gridloop.config import Settings

    containers = [build_container(Settings(database_url=db_url, triage_enabled=False)) for _ in range(2)]
    with TestClient(create_app(container=containers[0])) as a, TestClient(create_app(container=containers[1])) as b:
        codes = [_report(a, anonymous="1", phone="").status_code for _ in range(3)]  # device a: at its limit
        codes += [_report(b, anonymous="1", phone="").status_code for _ in range(2)]  # the address: 5 a minute
        assert codes == [201] * 5, codes
        last = _report(b, anonymous="1", phone="")  # device b's third (allowed), the address's sixth
        assert last.status_code == 429, "the other process's reports count against the address"
    for c in containers:
        c.uow.engine.dispose()
