"""Services on a real database: stored screenings, administrator settings, list import, batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from exportcontrol_factories import case_json

from gridloop.exportcontrol.domain.lists import ListKind
from gridloop.exportcontrol.services import batch, lists, screening, settings
from gridloop.exportcontrol.tables import ExportScreeningRow
from gridloop.kernel.errors import InvalidInput

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _screen(container: Any, payload: dict[str, Any]) -> dict[str, Any]:
    calendar, name = screening.calendar_of(container.deps.deadlines)
    with container.uow() as uow:
        return screening.screen_and_record(
            uow, payload, now=NOW, by="tester", source="cli", calendar=calendar, calendar_name=name
        )


def _regime(answer: dict[str, Any], regime_id: str) -> dict[str, Any]:
    return next(r for r in answer["regimes"] if r["regime"] == regime_id)


def test_a_screening_is_stored_with_its_input_and_answer(container: Any) -> None:
    answer = _screen(container, case_json())
    with container.uow() as uow:
        stored = screening.get_screening(uow.session, answer["screening_id"])
        row = uow.session.get(ExportScreeningRow, answer["screening_id"])
        assert row is not None and row.conditional is True and row.licence_required_any is None
    assert stored["input"]["reference"] == "T-1" and stored["screened_by"] == "tester"
    assert stored["answer"]["regimes"] == answer["regimes"]


def test_the_service_uses_the_official_working_day_calendar(container: Any) -> None:
    answer = _screen(container, case_json())
    assert "official holidays" in answer["settings"]["calendar"]


def test_confirmed_after_suspension_setting_is_relied_on_and_named(container: Any) -> None:
    with container.uow() as uow:
        settings.set_after_suspension(uow, "mofcom-gac-2025-70", value="resumed", by="admin-li", now=NOW)
    regime = _regime(_screen(container, case_json()), "no61-1-1")
    assert (regime["status"], regime["licence_required"]) == ("active", True)
    assert regime["setting_relied_on"]["confirmed_by"] == "admin-li"


def test_unknown_setting_values_are_refused(container: Any) -> None:
    with container.uow() as uow, pytest.raises(InvalidInput):
        settings.set_after_suspension(uow, "mofcom-gac-2025-70", value="maybe", by="admin", now=NOW)


def test_valuation_rates_convert_mixed_currencies(container: Any) -> None:
    with container.uow() as uow:
        settings.set_valuation(uow, basis="fob", reference_currency="CNY", rates={"EUR": "8"}, rates_as_of="2026-12-01",
                               rates_source="test", by="admin", now=NOW)  # fmt: skip
    payload = case_json(bom=[{"material": "Sm", "annex_part1_code": "x", "china_origin": True, "value": "96",
                              "currency": "CNY"}])  # fmt: skip
    ratio = _screen(container, payload)["computed_ratio"]
    assert (ratio["ratio"], ratio["valuation"]["basis"], ratio["currency"]) == ("0.001", "fob", "CNY")


def test_imported_control_list_makes_a_listed_parent_deny(container: Any) -> None:
    with container.uow() as uow:
        csv_text = "名称,别名,国家\nBad Holdings,BH Group|坏控股,US\n"
        count = lists.import_list_csv(uow, csv_text, kind=ListKind.CONTROL, as_of=datetime(2026, 1, 1).date(),
                                      source="test", by="admin", now=NOW)  # fmt: skip
    assert count == 1
    payload = case_json(end_user={"name": "Acme", "is_military": False,
                                  "parent_chain": [{"name": "BH Group", "ownership_pct": "50"}]})  # fmt: skip
    regime = _regime(_screen(container, payload), "no61-1-1")
    assert regime["presumption"] == "deny"
    assert any(r["rule"] == "R3-listed" for r in regime["triggered_rules"])


def test_list_csv_with_an_unknown_column_is_refused(container: Any) -> None:
    with container.uow() as uow, pytest.raises(InvalidInput, match="unknown"):
        lists.import_list_csv(uow, "name,colour\nX,red\n", kind=ListKind.WATCH, as_of=NOW.date(), source="t",
                              by="admin", now=NOW)  # fmt: skip


def test_list_csv_with_a_bad_row_imports_nothing(container: Any) -> None:
    with container.uow() as uow, pytest.raises(InvalidInput) as caught:
        lists.import_list_csv(uow, "name,listed_on\nA,2026-01-01\nB,yesterday\n", kind=ListKind.WATCH,
                              as_of=NOW.date(), source="t", by="admin", now=NOW)  # fmt: skip
    assert caught.value.errors[0].field == "line 3"
    with container.uow() as uow:
        assert lists.load_snapshots(uow.session) == ()


HEADER = (
    "reference,export_date,exporter_is_chinese,destination_country,annex_category,control_code,item_value,currency,"
    "china_part1_value,end_user_name,end_user_is_military,end_use,parent_chain"
)
SHIPMENTS = (
    HEADER
    + """
S-1,2026-12-15,false,US,part2,,10000,CNY,10,Acme,false,civil,Acme Holdings:100
S-2,2026-03-02,true,JP,part1,1C905.b,5000,CNY,,Tokyo Magnet,false,civil,
S-3,not-a-date,false,US,part2,,1,CNY,,X,false,civil,
S-4,2026-12-15,,US,part2,,10000,CNY,1,Y,,,
"""
)


def test_batch_screens_each_row_reports_bad_rows_and_summarises(container: Any) -> None:
    out: list[dict[str, Any]] = []
    calendar, name = screening.calendar_of(container.deps.deadlines)
    summary = batch.run_batch(container.uow, SHIPMENTS, now=NOW, by="tester", calendar=calendar,
                              calendar_name=name, emit=out.append)  # fmt: skip
    result = summary.as_dict()
    assert (result["rows"], result["screened"], result["invalid"]) == (4, 3, 1)
    assert result["licence_required"] == {"undetermined": 2, "yes": 1}
    assert result["licence_required_by_regime"] == {"no18": 1}
    assert out[2]["line"] == 4 and out[2]["errors"][0]["field"] == "export_date"
    assert [r["line"] for r in out] == [2, 3, 4, 5]
    assert all(isinstance(r["screening_id"], int) for r in out if "error" not in r)
    assert "exporter.is_chinese_person_or_in_china" in {g["field"] for g in out[3]["data_gaps"]}
    json.dumps(out, ensure_ascii=False)
    with container.uow() as uow:
        stored = uow.session.query(ExportScreeningRow).filter_by(batch_id=summary.batch_id).count()
    assert stored == 3


def test_batch_with_an_unknown_column_stops_before_screening(container: Any) -> None:
    calendar, name = screening.calendar_of(container.deps.deadlines)
    with pytest.raises(InvalidInput, match="colour"):
        batch.run_batch(container.uow, "export_date,colour\n2026-01-01,red\n", now=NOW, by="t", calendar=calendar,
                        calendar_name=name, emit=lambda r: None)  # fmt: skip


def test_regime_table_shows_each_status_on_a_day(container: Any) -> None:
    with container.uow() as uow:
        table = screening.regime_table(uow.session, on=datetime(2025, 11, 7).date())
    status = {r["regime"]: r["status"] for r in table}
    assert status == {"no61-1-1": "suspended", "no61-1-2": "suspended", "no61-1-3": "suspended",
                      "no61-7": "suspended", "no62": "suspended", "no18": "active", "no57": "suspended"}  # fmt: skip


def test_stored_screenings_cannot_be_updated_or_deleted(container: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    _screen(container, case_json())
    for sql in ("UPDATE export_screenings SET screened_by = 'x'", "DELETE FROM export_screenings"):
        with pytest.raises(DatabaseError), container.uow.engine.begin() as conn:
            conn.execute(text(sql))


def test_humanitarian_report_due_date_follows_the_official_calendar(container: Any) -> None:
    # 2025-10-11 (a Saturday) was an adjusted working day after the National Day holiday: 10 working days after
    # 2025-10-09 end on 2025-10-22 on the official calendar (2025-10-23 on Monday–Friday).
    payload = case_json(export_date="2025-10-09", is_china_origin_item=True, end_use="humanitarian_medical")
    regime = _regime(_screen(container, payload), "no61-1-3")
    report = next(o for o in regime["obligations"] if o["code"] == "report_within_10_working_days")
    assert report["due"] == "2025-10-22", report
