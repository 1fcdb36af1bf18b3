"""Exports for other systems: Chinese headers, labels and local times, no personal data; "report once" schedules
produce each period's file once and tell the recipient through the outbox."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gridloop.interchange.adapters.files import safe_cell, write_csv
from gridloop.interchange.domain.exports import ExportFormat, ExportKind, Schedule, next_run, period_before
from gridloop.interchange.domain.mapping import parse_spec
from gridloop.interchange.services import exports
from gridloop.interchange.services.importing import import_cases
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.container import Container
from gridloop.platform.db.outbox import OutboxRow
from gridloop.platform.org.tables import UnitRow

SH = ZoneInfo("Asia/Shanghai")


def _history(container: Container, tmp_path: Path) -> None:
    with container.uow() as uow:
        grid = uow.session.scalars(select(UnitRow.area_code).where(UnitRow.level == "grid")).first()
    path = tmp_path / "h.csv"
    path.write_text(
        "编号,标题,时间,电话,区域\n"
        f'1,=HYPERLINK("x"),2026-11-03 23:30:00,13812345678,{grid}\n'
        f"2,路灯不亮,2026-11-04 08:00:00,13812345679,{grid}\n",
        encoding="utf-8",
    )
    spec = parse_spec(
        {
            "number_prefix": "X",
            "columns": {
                "number": "编号",
                "title": "标题",
                "received_at": "时间",
                "reporter_phone": "电话",
                "area": "区域",
            },
        }
    )
    assert import_cases(container.uow, path, spec, now=datetime.now(UTC), by="t").imported == 2


def test_the_case_list_in_excel_has_chinese_headers_labels_and_local_times_but_no_phone_numbers(
    container: Container, tmp_path: Path
) -> None:
    _history(container, tmp_path)
    with container.uow() as uow:
        made = exports.produce(
            uow.session,
            kind=ExportKind.CASES,
            fmt=ExportFormat.XLSX,
            first=date(2026, 11, 3),
            last=date(2026, 11, 4),
            actor=exports.reporting_actor(uow.session, None),
            now=datetime(2026, 12, 1, tzinfo=UTC),
            tz=SH,
        )
    assert made.rows == 2 and made.name == "工单清单_2026-11-03_2026-11-04.xlsx"
    sheet = load_workbook(io.BytesIO(made.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "标题", "办理状态")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["办理状态"] == "已办结" and first["历史导入"] == "是"
    assert first["受理时间"] == datetime(2026, 11, 3, 23, 30)  # local time, as the recipient reads it
    assert first["标题"].startswith("'=")  # a formula is never run by the recipient's spreadsheet
    assert "13812345678" not in repr(rows)


def test_csv_export_has_a_bom_and_guards_formulas_but_leaves_empty_cells_empty() -> None:
    buffer = io.StringIO()
    write_csv(buffer, ["a", "b", "c", "d"], [["", None, "-1+1", "\tx"], ["plain", 3, "@x", "\rx"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[1] == ["", "", "'-1+1", "'\tx"]
    assert rows[2] == ["plain", "3", "'@x", "'\rx"]
    assert safe_cell("") == "" and safe_cell(None) is None


@pytest.mark.parametrize(
    ("schedule", "run_day", "expected"),
    [
        (Schedule.DAILY, date(2026, 12, 1), (date(2026, 11, 30), date(2026, 11, 30))),
        (Schedule.WEEKLY, date(2026, 11, 30), (date(2026, 11, 23), date(2026, 11, 29))),
        (Schedule.MONTHLY, date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_a_scheduled_run_reports_the_whole_period_before_it(
    schedule: Schedule, run_day: date, expected: tuple[date, date]
) -> None:
    assert period_before(schedule, run_day) == expected


def test_the_next_run_is_at_the_local_hour_of_the_next_due_day() -> None:
    after = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # Saturday 11:00 in Shanghai
    assert next_run(Schedule.DAILY, hour=8, after=after, tz=SH) == datetime(2026, 12, 6, 8, tzinfo=SH)
    assert next_run(Schedule.WEEKLY, hour=8, after=after, tz=SH) == datetime(2026, 12, 7, 8, tzinfo=SH)
    assert next_run(Schedule.MONTHLY, hour=8, after=after, tz=SH) == datetime(2027, 1, 1, 8, tzinfo=SH)


def test_a_definition_is_produced_once_per_period_and_announced_to_its_recipient(
    container: Container, tmp_path: Path
) -> None:
    _history(container, tmp_path)
    with container.uow() as uow:
        street = uow.session.scalars(select(UnitRow).where(UnitRow.level == "street")).first()
        assert street is not None
        code = street.code
    made_at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    definition = exports.create_definition(
        container.uow, name="街道周报", kind="cases", fmt="csv", schedule="weekly", hour=8,
        recipient_unit=code, district=None, by="admin", now=made_at, tz=SH,
    )  # fmt: skip
    out = tmp_path / "exports"
    assert exports.run_due(container.uow, now=made_at + timedelta(hours=1), deps=container.deps, out_dir=out) == []
    monday = datetime(2026, 11, 9, 8, 0, tzinfo=SH).astimezone(UTC)
    runs = exports.run_due(container.uow, now=monday, deps=container.deps, out_dir=out)
    assert len(runs) == 1
    assert exports.run_due(container.uow, now=monday + timedelta(minutes=5), deps=container.deps, out_dir=out) == []
    with container.uow() as uow:
        run = exports.recent_runs(uow.session)[0]
        assert run.definition_id == definition and run.file_name == "街道周报_2026-11-02_2026-11-08.csv"
        assert exports.run_file(out, run).read_bytes().startswith("\ufeff工单编号".encode())
        notices = uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == "export_ready")).all()
        assert notices and all(n.payload["unit_code"] == code for n in notices)
        d = exports.list_definitions(uow.session)[0]
        assert d.next_run_at == datetime(2026, 11, 16, 8, 0, tzinfo=SH)


def test_a_bad_definition_names_every_field(container: Container) -> None:
    with pytest.raises(InvalidInput) as err:
        exports.create_definition(
            container.uow, name="", kind="pies", fmt="pdf", schedule="hourly", hour=25,
            recipient_unit="NOPE", district="31", by="a", now=datetime.now(UTC), tz=SH,
        )  # fmt: skip
    assert {e.field for e in err.value.errors} == {
        "name",
        "kind",
        "format",
        "schedule",
        "hour",
        "district",
        "recipient_unit",
    }
