"""Importing a city's history: every problem reported by row and column, all rows or none, originals kept."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gridloop.cases.tables import CaseEventRow, CaseRow
from gridloop.cli import _register
from gridloop.cli import app as root
from gridloop.interchange.domain.mapping import parse_spec
from gridloop.interchange.services.importing import import_cases
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.container import Container
from gridloop.platform.org.tables import CategoryRow, UnitRow
from shared_data import shared_path

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["工单编号", "标题", "受理时间", "办理状态", "事项分类", "所属区域", "承办单位", "办结时间"]
MAPPING = {
    "number_prefix": "H",
    "columns": {
        "number": "工单编号",
        "title": "标题",
        "received_at": "受理时间",
        "status": "办理状态",
        "category": "事项分类",
        "area": "所属区域",
        "lead_unit": "承办单位",
        "closed_at": "办结时间",
    },
    "defaults": {"channel": "phone", "request_type": "complaint"},
}
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _places(container: Container) -> tuple[str, str, str]:
    with container.uow() as uow:
        category = uow.session.scalars(select(CategoryRow.name_zh)).first()
        grid = uow.session.scalars(
            select(UnitRow.area_code).where(UnitRow.kind == "area", UnitRow.level == "grid")
        ).first()
        dept = uow.session.scalars(select(UnitRow.code).where(UnitRow.kind == "department")).first()
    assert category and grid and dept
    return category, grid, dept


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def _good_rows(container: Container, n: int) -> list[list[str]]:
    category, grid, dept = _places(container)
    return [
        [f"2024{i:06d}", f"路灯不亮 {i}", f"2024-03-{1 + i % 28:02d} 09:15:00", "已办结", category, grid, dept,
         f"2024-03-{1 + i % 28:02d} 17:40:00"]
        for i in range(n)
    ]  # fmt: skip


def _count_imported(container: Container) -> int:
    with container.uow() as uow:
        return len(uow.session.scalars(select(CaseRow.id).where(CaseRow.number.like("H2024%"))).all())


def test_a_valid_file_loads_every_row_with_its_original_number_times_and_an_imported_mark(
    container: Container, tmp_path: Path
) -> None:
    path = _write(tmp_path / "h.csv", _good_rows(container, 30))
    report = import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester")
    assert report.ok and report.imported == 30 and report.import_id is not None
    with container.uow() as uow:
        case = uow.session.scalars(select(CaseRow).where(CaseRow.number == "H2024000003")).one()
        assert case.status == "closed" and case.tags == ["imported"]
        # 09:15 in Shanghai is 01:15 UTC; the original times are kept, not the import's
        assert case.received_at == datetime(2024, 3, 4, 1, 15, tzinfo=UTC)
        assert case.closed_at == datetime(2024, 3, 4, 9, 40, tzinfo=UTC)
        assert case.lead_unit_id is not None and case.grid_code
        events = uow.session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case.id)).all()
        assert [(e.actor_name, e.to_status, e.payload["import_id"]) for e in events] == [
            ("历史导入", "closed", report.import_id)
        ]
        assert events[0].hash  # the import joins the tamper-evident audit chain


def test_a_dry_run_names_every_problem_by_row_and_column_and_loads_nothing(
    container: Container, tmp_path: Path
) -> None:
    rows = _good_rows(container, 6)
    rows[1][2] = "去年春天"  # not a time
    rows[2][3] = "搁置"  # not a status
    rows[3][0] = rows[0][0]  # a repeated number
    rows[4][5] = "999999999999"  # no such area
    rows[5][7] = "2024-01-01 00:00:00"  # closed before it was received
    path = _write(tmp_path / "bad.csv", rows)
    report = import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester", dry_run=True)
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(3, "受理时间"), (4, "办理状态"), (5, "工单编号"), (6, "所属区域"), (7, "办结时间")}
    assert "已办结" in next(p.message for p in report.problems if p.column == "办理状态")
    assert report.imported == 0 and _count_imported(container) == 0


def test_one_bad_row_among_many_loads_nothing_at_all(container: Container, tmp_path: Path) -> None:
    rows = _good_rows(container, 12_000)
    rows[-1][2] = "not a time"
    path = _write(tmp_path / "h.csv", rows)
    report = import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester", batch=5000)
    assert report.problem_count == 1 and report.imported == 0
    assert _count_imported(container) == 0  # the first two batches were rolled back with the transaction


def test_importing_the_same_file_twice_is_refused_row_by_row(container: Container, tmp_path: Path) -> None:
    path = _write(tmp_path / "h.csv", _good_rows(container, 5))
    assert import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester").imported == 5
    again = import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester")
    assert again.problem_count == 5 and "already exists" in again.problems[0].message
    assert _count_imported(container) == 5


def test_an_excel_workbook_imports_like_csv(container: Container, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in _good_rows(container, 4):
        row[2] = datetime.strptime(row[2], "%Y-%m-%d %H:%M:%S")  # type: ignore[call-overload]
        sheet.append(row)
    book.save(tmp_path / "h.xlsx")
    report = import_cases(container.uow, tmp_path / "h.xlsx", parse_spec(MAPPING), now=NOW, by="tester")
    assert report.ok and report.imported == 4


def test_a_mapping_with_unknown_fields_or_no_number_is_refused_naming_each_key() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_spec({"columns": {"title": "标题", "colour": "颜色"}, "timezone": "Mars/Olympus"})
    fields = {e.field for e in err.value.errors}
    assert {"columns.colour", "columns.number", "columns.received_at", "timezone"} <= fields


def test_the_cli_dry_run_prints_problems_and_exits_2(db_url: str, container: Container, tmp_path: Path) -> None:
    import json

    rows = _good_rows(container, 3)
    rows[2][2] = "昨天"
    path = _write(tmp_path / "h.csv", rows)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    _register()
    result = CliRunner().invoke(
        root, ["import", "cases", str(path), "--mapping", str(mapping), "--dry-run", "--db", db_url]
    )
    assert result.exit_code == 2
    assert "row 4, 受理时间: not a time" in result.output


def test_the_teddy_cup_replies_check_clean_with_the_shipped_example_mapping(container: Container) -> None:
    from gridloop.interchange.cli import read_mapping

    data = shared_path("messages", "replies.csv")
    spec = parse_spec(read_mapping(ROOT / "docs" / "examples" / "import-teddy-replies.yaml"))
    report: Any = import_cases(container.uow, data, spec, now=NOW, by="tester", dry_run=True)
    assert report.ok and report.rows >= 2800


def test_a_year_of_imported_orders_appears_in_the_kpis_and_the_year_on_year_board_figure(
    container: Container, tmp_path: Path, as_user: Any
) -> None:
    category, grid, dept = _places(container)
    rows = [
        [f"2025{i:06d}", f"路灯不亮 {i}", f"2025-{1 + i % 12:02d}-{1 + i % 27:02d} 09:15:00", "已办结", category, grid,
         dept, f"2025-{1 + i % 12:02d}-{1 + i % 27:02d} 17:40:00"]
        for i in range(240)
    ]  # fmt: skip
    path = _write(tmp_path / "year.csv", rows)
    assert import_cases(container.uow, path, parse_spec(MAPPING), now=NOW, by="tester").imported == 240
    api = as_user("admin")
    kpis = api.get("/api/v1/kpis", params={"by": "district", "from": "2025-01-01", "to": "2025-12-31"}).json()
    district = next(i for i in kpis["items"] if i["scope"] == grid[:6])
    assert district["n_received"] == 240  # times not in the file (dispatch) are not invented
    yoy = api.get("/api/v1/kpis/yoy", params={"from": "2026-01-01", "to": "2026-12-31"}).json()["items"]
    assert sum(i["previous"] for i in yoy) == 240  # last year's figure the board's 同比 compares with
