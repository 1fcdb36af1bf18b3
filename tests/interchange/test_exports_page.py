"""The exports page: download one export now, define a recurring one (problems shown on the field), list files."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.web_helpers import login, post_form


def test_an_analyst_downloads_the_kpis_of_a_period_as_excel(app_client: Any) -> None:
    home = login(app_client, "analyst")
    assert 'href="/exports"' in home.text and "报表导出" in home.text
    page = app_client.get("/exports")
    assert page.status_code == 200 and "定期报送（只报一次）" in page.text
    got = app_client.get(
        "/exports/download", params={"kind": "kpis", "from": "2026-11-01", "to": "2026-11-30", "format": "xlsx"}
    )
    assert got.status_code == 200
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    header = next(load_workbook(BytesIO(got.content)).active.iter_rows(values_only=True))
    assert header[:3] == ("区", "按时签收率", "先行联系率")


def test_a_bad_period_reshows_the_page_with_the_field_marked(app_client: Any) -> None:
    login(app_client, "analyst")
    got = app_client.get("/exports/download", params={"kind": "cases", "from": "2026-11-30", "to": "2026-11-01"})
    assert got.status_code == 422
    assert "截止日期早于起始日期" in got.text and 'value="2026-11-30"' in got.text


def test_a_recurring_export_is_defined_and_a_bad_unit_is_marked_on_its_field(app_client: Any) -> None:
    login(app_client, "analyst")
    bad = post_form(app_client, "/exports/definitions", {"name": "街道月报", "kind": "cases", "format": "xlsx",
                                                         "schedule": "monthly", "hour": "8", "unit": "NOPE"},
                    from_page="/exports")  # fmt: skip
    assert bad.status_code == 422 and 'name="unit" value="NOPE"' in bad.text and "aria-invalid" in bad.text
    ok = post_form(app_client, "/exports/definitions", {"name": "全市月报", "kind": "kpis", "format": "xlsx",
                                                        "schedule": "monthly", "hour": "8", "unit": ""},
                   from_page="/exports")  # fmt: skip
    assert ok.status_code == 303
    page = app_client.get("/exports")
    assert "全市月报" in page.text and "每月1日（上一月）" in page.text


def test_the_exports_page_is_not_for_handlers(app_client: Any) -> None:
    login(app_client, "putuo_street")
    assert app_client.get("/exports").status_code == 403
