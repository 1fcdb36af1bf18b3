"""Open311 GeoReport v2 conformance, walking the spec section by section (anchors.md §2), in JSON and XML."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest

BASE = "/open311/v2"
FORMATS = ("json", "xml")
SHANGHAI = {"lat": "31.230416", "long": "121.473701"}


@pytest.fixture
def key(container: Any, clock: Any) -> str:
    """An API key made the way administrators make it."""
    from gridloop.open311.services.keys import create_key

    with container.uow() as uow:
        return create_key(uow, name="partner", now=clock.now(), per_minute=5)


@pytest.fixture
def code(app_client: Any) -> str:
    """A service code from the service list."""
    return str(app_client.get(f"{BASE}/services.json").json()[0]["service_code"])


def xml(response: Any) -> ET.Element:
    """The parsed XML body (UTF-8, text/xml)."""
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    return ET.fromstring(response.content)


def create(client: Any, key: str, code: str, fmt: str = "json", **extra: str) -> Any:
    """POST a request (form-encoded, as the spec requires)."""
    form = {"api_key": key, "service_code": code, **SHANGHAI, "description": "路灯不亮", **extra}
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def errors(response: Any, fmt: str) -> list[dict[str, str]]:
    """The spec's error list in either format."""
    if fmt == "json":
        return [{"code": str(e["code"]), "description": e["description"]} for e in response.json()]
    root = xml(response)
    assert root.tag == "errors"
    return [{"code": e.findtext("code") or "", "description": e.findtext("description") or ""} for e in root]


# --- Service Discovery ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_endpoint_its_formats_and_how_to_get_a_key(app_client: Any, fmt: str) -> None:
    r = app_client.get(f"{BASE}/discovery.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        body = r.json()
        endpoint = body["endpoints"][0]
        assert body["changeset"] and body["contact"] and body["key_service"]
        assert set(endpoint["formats"]) == {"application/json", "text/xml"}
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2" and endpoint["type"] == "production"
        assert endpoint["url"].endswith("/open311/v2/")
    else:
        root = xml(r)
        assert root.tag == "discovery" and root.findtext("changeset")
        assert {f.text for f in root.iter("format")} == {"application/json", "text/xml"}


# --- GET Service List ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_has_every_field_of_the_spec_for_each_category(app_client: Any, fmt: str) -> None:
    r = app_client.get(f"{BASE}/services.{fmt}", params={"jurisdiction_id": "shanghai.gov.cn"})
    assert r.status_code == 200
    fields = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    if fmt == "json":
        services = r.json()
        assert services and all(set(s) == fields for s in services)
        assert {s["type"] for s in services} == {"realtime"} and all(s["metadata"] is True for s in services)
    else:
        root = xml(r)
        assert root.tag == "services" and len(root) > 0
        assert all({c.tag for c in s} == fields and s.findtext("metadata") == "true" for s in root)


# --- GET Service Definition ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_gives_attributes_with_datatypes_order_and_values(
    app_client: Any, code: str, fmt: str
) -> None:
    r = app_client.get(f"{BASE}/services/{quote(code)}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        body = r.json()
        assert body["service_code"] == code
        attrs = body["attributes"]
        assert [a["order"] for a in attrs] == sorted(a["order"] for a in attrs)
        listed = next(a for a in attrs if a["datatype"] == "singlevaluelist")
        assert {"key", "name"} == set(listed["values"][0])
        assert {a["variable"] for a in attrs} == {True, False}
        assert all({"code", "datatype", "required", "datatype_description", "description"} <= set(a) for a in attrs)
    else:
        root = xml(r)
        assert root.tag == "service_definition" and root.findtext("service_code") == code
        assert root.find("attributes/attribute/values/value/key") is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404_in_the_spec_error_format(app_client: Any, fmt: str) -> None:
    r = app_client.get(f"{BASE}/services/nope.{fmt}")
    assert r.status_code == 404
    assert errors(r, fmt)[0]["code"] == "404"


def test_unknown_format_is_404(app_client: Any) -> None:
    r = app_client.get(f"{BASE}/services.yaml")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


# --- POST Service Request ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_a_request_and_returns_its_id_not_a_token(app_client: Any, key: str, code: str, fmt: str) -> None:
    r = create(app_client, key, code, fmt, **{"attribute[request_type]": "complaint", "attribute[title]": "路灯",
                                             "jurisdiction_id": "shanghai.gov.cn", "account_id": "A1"})  # fmt: skip
    assert r.status_code == 200, r.text
    if fmt == "json":
        made = r.json()[0]
        assert made["service_request_id"] and "token" not in made and made["service_notice"]
        assert made["account_id"] == "A1"
    else:
        request = xml(r).find("request")
        assert request is not None and request.findtext("service_request_id") and request.find("token") is None
    assert r.headers["x-open311-token"]


def test_post_accepts_every_optional_argument_and_publishes_none_of_the_personal_data(
    app_client: Any, key: str, code: str
) -> None:
    personal = {"email": "zhang@example.com", "device_id": "dev-1", "account_id": "acc-9", "first_name": "张",
                "last_name": "三", "phone": "13812345678"}  # fmt: skip
    r = create(app_client, key, code, address_string="长寿路100号", address_id="A-77",
               media_url="https://img.example.com/1.jpg",
               description="路灯不亮，请联系我13812345678", **personal)  # fmt: skip
    number = r.json()[0]["service_request_id"]
    for fmt in FORMATS:
        body = app_client.get(f"{BASE}/requests/{number}.{fmt}", params={"extensions": "true"}).text
        for value in (*personal.values(), "长寿路100号", "A-77"):
            assert value not in body, (fmt, value)
    got = app_client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert "138****5678" in got["description"]
    assert got["media_url"] == "https://img.example.com/1.jpg"
    assert got["lat"] == 31.23 and got["long"] == 121.474  # rounded to ≈100 m


def test_multivaluelist_form_and_address_only_location_are_accepted(app_client: Any, key: str, code: str) -> None:
    form = {"api_key": key, "service_code": code, "address_string": "普陀区长寿路", "attribute[request_type][]": "help"}
    r = app_client.post(f"{BASE}/requests.json", data=form)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_or_with_a_bad_api_key_is_403(app_client: Any, code: str, fmt: str) -> None:
    assert create(app_client, "", code, fmt).status_code == 403
    r = create(app_client, "wrong", code, fmt)
    assert r.status_code == 403 and "api_key" in errors(r, fmt)[0]["description"]


def test_revoked_key_is_403(app_client: Any, container: Any, clock: Any, key: str, code: str) -> None:
    from gridloop.open311.services.keys import revoke_key

    with container.uow() as uow:
        revoke_key(uow, name="partner", now=clock.now())
    assert create(app_client, key, code).status_code == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_missing_location_or_service_code_is_400_with_every_error(app_client: Any, key: str, fmt: str) -> None:
    r = app_client.post(f"{BASE}/requests.{fmt}", data={"api_key": key, "lat": "31.2"})
    assert r.status_code == 400
    described = " ".join(e["description"] for e in errors(r, fmt))
    assert "service_code" in described and "location" in described and "together" in described


def test_post_unknown_service_code_is_404(app_client: Any, key: str) -> None:
    assert create(app_client, key, "no-such-service").status_code == 404


def test_post_rejects_long_description_bad_coordinates_and_bad_attributes(app_client: Any, key: str, code: str) -> None:
    assert create(app_client, key, code, description="长" * 4001).status_code == 400
    assert create(app_client, key, code, lat="north", long="east").status_code == 400
    assert create(app_client, key, code, lat="95", long="121").status_code == 400
    assert create(app_client, key, code, **{"attribute[request_type]": "bribe"}).status_code == 400
    assert create(app_client, key, code, **{"attribute[colour]": "red"}).status_code == 400


def test_keys_are_throttled_per_minute(app_client: Any, key: str, code: str, clock: Any) -> None:
    for _ in range(5):
        assert create(app_client, key, code).status_code == 200
    r = create(app_client, key, code)
    assert r.status_code == 429 and r.json()[0]["code"] == 429
    clock.advance(minutes=2)
    assert create(app_client, key, code).status_code == 200


# --- GET service_request_id from a token ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_gives_the_request_id(app_client: Any, key: str, code: str, fmt: str) -> None:
    r = create(app_client, key, code)
    token, number = r.headers["x-open311-token"], r.json()[0]["service_request_id"]
    got = app_client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert got.status_code == 200
    if fmt == "json":
        assert got.json() == [{"service_request_id": number, "token": token}]
    else:
        assert xml(got).findtext("request/service_request_id") == number
    missing = app_client.get(f"{BASE}/tokens/00000000-0000-0000-0000-000000000000.{fmt}")
    assert missing.status_code == 404 and errors(missing, fmt)[0]["code"] == "404"


# --- GET Service Requests ------------------------------------------------------------------------------------


REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}  # fmt: skip


def _close(as_user: Any, number: str) -> None:
    """Cancel a case through the console's API (作废 → Open311 closed)."""
    operator = as_user("operator")
    case = operator.get("/api/v1/cases", params={"text": number}).json()["items"][0]
    r = operator.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "cancel", "reason": "测试"})
    assert r.status_code == 200, r.text


@pytest.fixture
def three(app_client: Any, key: str, clock: Any, as_user: Any) -> dict[str, Any]:
    """Three requests: two services, one a day later, one of them closed."""
    codes = [s["service_code"] for s in app_client.get(f"{BASE}/services.json").json()[:2]]
    first = create(app_client, key, codes[0]).json()[0]["service_request_id"]
    second = create(app_client, key, codes[1]).json()[0]["service_request_id"]
    t1 = clock.now()
    clock.advance(days=1)
    third = create(app_client, key, codes[0]).json()[0]["service_request_id"]
    _close(as_user, second)
    return {"codes": codes, "numbers": [first, second, third], "t1": t1}


def _ids(app_client: Any, fmt: str, **params: str) -> list[str]:
    r = app_client.get(f"{BASE}/requests.{fmt}", params=params)
    assert r.status_code == 200, r.text
    if fmt == "json":
        return [x["service_request_id"] for x in r.json()]
    return [x.findtext("service_request_id") or "" for x in xml(r)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_returns_every_field_and_every_spec_filter_works(
    app_client: Any, three: dict[str, Any], fmt: str
) -> None:
    first, second, third = three["numbers"]
    assert sorted(_ids(app_client, fmt)) == sorted(three["numbers"])
    assert sorted(_ids(app_client, fmt, service_request_id=f"{first},{third}")) == sorted([first, third])
    # service_request_id overrides every other filter
    assert _ids(app_client, fmt, service_request_id=second, status="open") == [second]
    assert sorted(_ids(app_client, fmt, service_code=three["codes"][0])) == sorted([first, third])
    assert sorted(_ids(app_client, fmt, service_code=",".join(three["codes"]))) == sorted(three["numbers"])
    assert _ids(app_client, fmt, status="closed") == [second]
    assert sorted(_ids(app_client, fmt, status="open")) == sorted([first, third])
    assert len(_ids(app_client, fmt, status="open,closed")) == 3
    t1 = three["t1"]
    start = (t1 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(app_client, fmt, start_date=start) == [third]
    assert sorted(_ids(app_client, fmt, end_date=start)) == sorted([first, second])
    both = {"start_date": (t1 - timedelta(hours=1)).isoformat(), "end_date": start, "jurisdiction_id": ""}
    assert sorted(_ids(app_client, fmt, **both)) == sorted([first, second])
    if fmt == "json":
        got = app_client.get(f"{BASE}/requests.json").json()
        assert all(set(x) == REQUEST_FIELDS for x in got)
        closed = next(x for x in got if x["service_request_id"] == second)
        assert closed["status"] == "closed" and "已作废" in closed["status_notes"]
        assert all(x["requested_datetime"].endswith("Z") for x in got)


def test_empty_parameters_count_as_absent(app_client: Any, three: dict[str, Any]) -> None:
    empty = {"service_request_id": "", "service_code": "", "status": "", "start_date": "", "end_date": ""}
    assert len(_ids(app_client, "json", **empty)) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_filters_are_400(app_client: Any, fmt: str) -> None:
    for params in ({"status": "pending"}, {"start_date": "yesterday"}, {"start_date": "2026-01-01T00:00:00"},
                   {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
                   {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
                   {"page": "0"}, {"page_size": "5000"}):  # fmt: skip
        r = app_client.get(f"{BASE}/requests.{fmt}", params=params)
        assert r.status_code == 400, params
        assert errors(r, fmt)[0]["code"] == "400"


def test_default_window_is_the_last_90_days(app_client: Any, three: dict[str, Any], clock: Any) -> None:
    clock.advance(days=89, hours=12)  # the first two are now 90.5 days old
    assert _ids(app_client, "json") == [three["numbers"][2]]


# --- GET Service Request -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_and_404_for_unknown(app_client: Any, key: str, code: str, fmt: str) -> None:
    number = create(app_client, key, code).json()[0]["service_request_id"]
    r = app_client.get(f"{BASE}/requests/{number}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        assert [x["service_request_id"] for x in r.json()] == [number]
        assert r.json()[0]["status"] == "open"
    else:
        assert xml(r).findtext("request/status") == "open"
    missing = app_client.get(f"{BASE}/requests/NOPE.{fmt}")
    assert missing.status_code == 404 and errors(missing, fmt)[0]["code"] == "404"


# --- Extensions: paging, updated_after/updated_before, extended attributes, status notes --------------------


def test_paging_with_page_and_page_size(app_client: Any, three: dict[str, Any]) -> None:
    pages = [_ids(app_client, "json", page=str(p), page_size="2") for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 1, 0]
    assert sorted(pages[0] + pages[1]) == sorted(three["numbers"])


def test_updated_after_and_updated_before(app_client: Any, three: dict[str, Any]) -> None:
    middle = (three["t1"] + timedelta(hours=1)).isoformat()
    # the cancelled one was updated after the third was created
    assert sorted(_ids(app_client, "json", updated_after=middle)) == sorted(three["numbers"][1:])
    assert _ids(app_client, "json", updated_before=middle) == [three["numbers"][0]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_extended_attributes_only_when_asked(app_client: Any, key: str, code: str, fmt: str) -> None:
    create(app_client, key, code)
    plain = app_client.get(f"{BASE}/requests.{fmt}")
    extended = app_client.get(f"{BASE}/requests.{fmt}", params={"extensions": "true"})
    if fmt == "json":
        assert "extended_attributes" not in plain.json()[0]
        attrs = extended.json()[0]["extended_attributes"]
        assert attrs["channel"] == "app" and attrs["gridloop_status"] == "received"
    else:
        assert xml(plain).find("request/extended_attributes") is None
        assert xml(extended).findtext("request/extended_attributes/channel") == "app"


def test_status_table_covers_every_gridloop_status_with_notes() -> None:
    from gridloop.cases.services import Status
    from gridloop.open311.domain import STATUS_TABLE, open311_status

    assert set(STATUS_TABLE) == {s.value for s in Status}
    assert {open311_status(s.value)[0] for s in Status} == {"open", "closed"}
    assert open311_status("closed") == ("closed", "已办结 / Closed")


# --- Keys are managed by administrators (CLI) ----------------------------------------------------------------


def test_cli_creates_lists_and_revokes_keys(db_url: str, app_client: Any, code: str) -> None:
    from typer.testing import CliRunner

    from gridloop.cli import _register, app

    _register()
    runner = CliRunner()
    made = runner.invoke(app, ["open311", "key", "create", "--name", "city-app", "--db", db_url])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    listed = runner.invoke(app, ["open311", "key", "list", "--db", db_url])
    assert "city-app" in listed.output and key not in listed.output
    assert create(app_client, key, code).status_code == 200
    assert runner.invoke(app, ["open311", "key", "revoke", "--name", "city-app", "--db", db_url]).exit_code == 0
    assert create(app_client, key, code).status_code == 403


# --- extension: media upload (multipart `media`) ---------------------------------------------------------------


def _jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_post_with_a_media_file_stores_it_and_the_request_links_it_as_media_url(
    app_client: Any, key: str, code: str
) -> None:
    form = {"api_key": key, "service_code": code, **SHANGHAI, "description": "路灯不亮"}
    r = app_client.post(f"{BASE}/requests.json", data=form, files={"media": ("lamp.jpg", _jpeg(), "image/jpeg")})
    assert r.status_code == 200, r.text
    number = r.json()[0]["service_request_id"]
    got = app_client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert got["media_url"] and "/open311/v2/media/" in got["media_url"]
    photo = app_client.get(got["media_url"].replace("http://testserver", ""))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"


def test_post_with_media_that_is_not_an_image_is_400_and_makes_no_request(app_client: Any, key: str, code: str) -> None:
    form = {"api_key": key, "service_code": code, **SHANGHAI, "description": "路灯不亮"}
    r = app_client.post(f"{BASE}/requests.json", data=form, files={"media": ("x.html", b"<script>", "text/html")})
    assert r.status_code == 400 and "media" in errors(r, "json")[0]["description"]


def test_media_of_other_channels_is_not_served_through_open311(app_client: Any) -> None:
    assert app_client.get(f"{BASE}/media/999999").status_code == 404


@pytest.mark.parametrize("media_id", ["0", "abc", "99999999999999999999999"])
def test_a_malformed_media_id_is_404_in_the_spec_error_format(app_client: Any, media_id: str) -> None:
    r = app_client.get(f"{BASE}/media/{media_id}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
