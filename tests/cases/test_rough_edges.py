"""The rough edges of the console, one test each: exports, time left, confirmations, messages in Chinese …"""

from __future__ import annotations

import csv
import io

from gridloop.platform.spreadsheet import safe_cell
from tests.factories import case_body
from tests.web_helpers import login


def test_the_formula_guard_leaves_empty_cells_empty_and_catches_tab_and_cr():
    assert safe_cell("") == "" and safe_cell(None) is None and safe_cell(3) == 3
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@A", "\tx", "\rx")] == [
        "'=1+1", "'+1", "'-1", "'@A", "'\tx", "'\rx"
    ]  # fmt: skip
    assert safe_cell("普陀区") == "普陀区"


def test_the_case_csv_has_no_apostrophe_in_empty_cells(app_client, as_user):
    as_user("operator").post("/api/v1/cases", json=case_body(address=None))
    login(app_client, "operator")
    r = app_client.get("/cases.csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 2, rows
    assert "'" not in rows[1], rows[1]
