"""Every input is checked at the edge: 4xx with the field named, never a 500; one text limit; clean logs."""

from __future__ import annotations

import logging

import pytest

from gridloop.cases.domain.intake import MAX_TEXT, strip_terminal_codes
from tests.factories import case_body
from tests.web_helpers import csrf_of, login


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/99999999999999999999999",
        "/api/v1/cases/-99999999999999999999999/timeline",
        "/api/v1/cases?page=1e22",
        "/api/v1/cases?page=99999999999999999999999",
    ],
)
def test_huge_numbers_are_refused_with_422_not_500(as_user, url):
    r = as_user("admin").get(url)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


def test_a_naive_report_time_is_refused_naming_the_field(as_user):
    r = as_user("operator").post("/api/v1/cases", json=case_body(reported_at="2026-11-26T10:00:00"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reported_at"


@pytest.mark.parametrize("when", ["9999-01-01T10:00:00+08:00", "1990-01-01T10:00:00+08:00"])
def test_implausible_report_times_are_refused(as_user, when):
    r = as_user("operator").post("/api/v1/cases", json=case_body(reported_at=when))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["reported_at"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"reporter": {"name": "张\x00三", "phone": "13812345678"}}, "reporter.name"),
        ({"tags": ["漏水\x00"]}, "tags.0"),
        ({"text": "楼道渗水\x00严重"}, "text"),
        ({"title": "渗水\x07"}, "title"),
    ],
)
def test_nul_and_control_characters_are_refused_in_every_field(as_user, override, field):
    r = as_user("operator").post("/api/v1/cases", json=case_body(**override))
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]


def test_terminal_colour_codes_in_a_real_complaint_are_cleaned_not_refused(as_user):
    text = "长寿路小区\x1b[31m楼道墙面渗水\x1b[0m，物业不处理。"
    r = as_user("operator").post("/api/v1/cases", json=case_body(text=text))
    assert r.status_code == 201 and r.json()["text"] == "长寿路小区楼道墙面渗水，物业不处理。"
    assert strip_terminal_codes("a\x1b]0;title\x07b") == "ab"


def test_one_text_limit_in_domain_schema_and_docs(as_user, app_client):
    spec = app_client.get("/openapi.json").json()
    ref = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    text = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]["text"]
    assert text["maxLength"] == MAX_TEXT == 10_000 and "10,000" in text["description"]
    r = as_user("operator").post("/api/v1/cases", json=case_body(text="漏" * (MAX_TEXT + 1)))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "text"


def test_an_over_long_text_on_the_intake_form_reshows_the_form_with_the_field_marked(app_client):
    login(app_client, "operator")
    page = app_client.get("/intake")
    data = {"csrf": csrf_of(page.text), "text": "漏" * (MAX_TEXT + 500), "request_type": "complaint"}
    r = app_client.post("/intake", data=data)
    assert r.status_code == 422
    assert 'name="text"' in r.text and 'id="err-text"' in r.text and 'aria-invalid="true"' in r.text


def test_openapi_declares_problem_details_for_every_error_status(app_client):
    spec = app_client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        # Open311 answers errors in its own spec's format (a JSON or XML list of code/description)
        expected = (
            {"application/json", "application/xml"} if path.startswith("/open311/") else {"application/problem+json"}
        )
        for method, op in operations.items():
            for status in ("401", "404", "413", "422", "429"):
                content = op["responses"][status]["content"]
                assert expected <= set(content), (method, path, status)
    assert "200" in spec["paths"]["/api/v1/cases"]["post"]["responses"]


def test_a_body_over_the_limit_is_refused_with_413(as_user, container):
    r = as_user("operator").post("/api/v1/cases", content=b"x" * (container.settings.max_body_bytes + 1))
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def test_every_response_carries_security_headers(app_client, as_user):
    for r in (as_user("operator").get("/api/v1/me"), app_client.get("/healthz"), app_client.get("/nowhere")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_logs_never_carry_personal_data_or_sql_parameters(as_user, app_client, container, caplog, monkeypatch):
    from sqlalchemy import text

    from gridloop.cases.services import queries

    phone, words = "13987654321", "独一无二的投诉内容渗水"
    caplog.set_level(logging.DEBUG)
    api = as_user("operator")
    created = api.post("/api/v1/cases", json=case_body(text=words, reporter={"name": "李四", "phone": phone}))
    assert created.status_code == 201
    case_id = created.json()["id"]
    api.get(f"/api/v1/cases/{case_id}")
    api.get(f"/api/v1/cases?text={words}")

    def broken(session, *args, **kwargs):  # an unexpected database error whose parameters hold personal data
        session.execute(text("SELECT no_such_column FROM cases WHERE reporter_phone = :p"), {"p": phone})

    monkeypatch.setattr(queries, "get_case", broken)
    assert api.get(f"/api/v1/cases/{case_id}").status_code == 500
    logged = caplog.text
    assert "no_such_column" in logged  # the error itself is logged …
    assert phone not in logged and words not in logged  # … but not its parameters nor the case text


def test_api_docs_load_only_self_hosted_assets_under_a_csp(app_client):
    r = app_client.get("/docs")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    assert "cdn" not in r.text.lower() and "<script>" not in r.text
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"):
        assert asset in r.text and app_client.get(asset).status_code == 200
