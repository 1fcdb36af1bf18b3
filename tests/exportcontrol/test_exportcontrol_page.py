"""The console form: Chinese first, screens and stores, shows the cited answer and the disclaimer."""

from __future__ import annotations

from typing import Any

from tests.web_helpers import csrf_of, login

FORM = {
    "reference": "P-1",
    "export_date": "2026-03-02",
    "exporter_name": "上海稀材有限公司",
    "exporter_is_chinese": "true",
    "destination_country": "JP",
    "item_description": "氧化镝",
    "annex_category": "part1",
    "control_code": "1C905.b",
    "item_value": "50000",
    "currency": "CNY",
    "end_user_name": "Tokyo Magnet KK",
    "end_user_is_military": "false",
    "end_use": ["civil"],
}


def test_form_page_is_chinese_first_with_the_disclaimer(app_client: Any) -> None:
    login(app_client, "operator")
    page = app_client.get("/export-control")
    assert page.status_code == 200
    assert "稀土出口管制筛查" in page.text and "仅供参考，不构成法律意见" in page.text


def test_submitting_the_form_screens_stores_and_shows_the_answer(app_client: Any) -> None:
    login(app_client, "operator")
    token = csrf_of(app_client.get("/export-control").text)
    page = app_client.post("/export-control", data={**FORM, "csrf": token})
    assert page.status_code == 200, page.text[:500]
    assert "商务部 海关总署公告2025年第18号" in page.text and "R7" in page.text
    assert 'id="answer"' in page.text


def test_a_bad_form_is_shown_again_with_the_field_marked(app_client: Any) -> None:
    login(app_client, "operator")
    token = csrf_of(app_client.get("/export-control").text)
    page = app_client.post("/export-control", data={**FORM, "item_value": "lots", "csrf": token})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text and "lots" in page.text


def test_the_form_needs_a_login(app_client: Any) -> None:
    page = app_client.get("/export-control", follow_redirects=False)
    assert page.status_code in (302, 303)
