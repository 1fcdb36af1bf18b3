"""The HTTP API and the command line: same JSON in, same answer out; bad input is one clear error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from exportcontrol_factories import case_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "export-control-case.json"
URL = "/api/v1/export-control/screen"


def test_api_screen_returns_the_answer_with_disclaimer_and_stores_it(as_user: Any) -> None:
    api = as_user("operator")
    response = api.post(URL, json=case_json())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["disclaimer"]["zh"] == "仅供参考，不构成法律意见。"
    assert body["screened_by"] == "operator"
    stored = api.get(f"/api/v1/export-control/screenings/{body['screening_id']}").json()
    assert stored["input"]["reference"] == "T-1" and stored["source"] == "api"


def test_api_bad_input_is_a_422_problem_with_field_errors(as_user: Any) -> None:
    response = as_user("operator").post(URL, json=case_json(export_date="soon", colour="red"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"export_date", "colour"} <= fields, fields


def test_api_requires_authentication(app_client: Any) -> None:
    assert app_client.post(URL, json=case_json()).status_code == 401


def test_api_regimes_on_a_day(as_user: Any) -> None:
    body = as_user("operator").get("/api/v1/export-control/regimes?on=2025-10-09").json()
    status = {r["regime"]: r["status"] for r in body["regimes"]}
    assert (status["no61-1-3"], status["no61-1-1"], status["no18"]) == ("active", "not_yet_effective", "active")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gridloop", *args], capture_output=True, text=True, timeout=120)


def test_cli_screens_the_example_as_json(db_url: str) -> None:
    result = _run("export-control", "screen", "--input", str(EXAMPLE), "--json", "--db", db_url)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    regime = next(r for r in body["regimes"] if r["regime"] == "no61-1-1")
    assert regime["applies"] is True and body["disclaimer"]["en"] == "Advisory, not legal advice."


def test_cli_prints_a_readable_chinese_first_report_by_default(db_url: str) -> None:
    result = _run("export-control", "screen", "--input", str(EXAMPLE), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "仅供参考，不构成法律意见" in result.stdout and "R1a" in result.stdout


def test_cli_bad_input_is_one_line_on_stderr_and_exit_code_2(db_url: str, tmp_path: Path) -> None:
    for text in ('{"export_date": "soon"}', "{", "[1]"):
        bad = tmp_path / "bad.json"
        bad.write_text(text, encoding="utf-8")
        result = _run("export-control", "screen", "--input", str(bad), "--db", db_url)
        assert result.returncode == 2, (text, result.stderr)
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, result.stderr


def test_cli_batch_writes_jsonl_and_a_summary(db_url: str, tmp_path: Path) -> None:
    shipments = tmp_path / "s.csv"
    shipments.write_text(
        "reference,export_date,exporter_is_chinese,destination_country,annex_category,control_code,item_value\n"
        "S-1,2026-03-02,true,JP,part1,1C904.a,100\n",
        encoding="utf-8",
    )
    output = tmp_path / "r.jsonl"
    result = _run("export-control", "batch", "--input", str(shipments), "--output", str(output), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["licence_required"] == {"yes": 1}
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["reference"] == "S-1"


def test_example_case_file_is_valid_input() -> None:
    from gridloop.exportcontrol.services.schema import parse_case

    case = parse_case(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert case.reference == "EC-2026-0001"


def test_example_shipments_csv_screens_without_invalid_rows(container: Any) -> None:
    from datetime import UTC, datetime

    from gridloop.exportcontrol.services.batch import run_batch
    from gridloop.exportcontrol.services.screening import calendar_of

    calendar, name = calendar_of(container.deps.deadlines)
    text = (ROOT / "docs" / "examples" / "export-control-shipments.csv").read_text(encoding="utf-8")
    out: list[dict[str, Any]] = []
    summary = run_batch(container.uow, text, now=datetime(2026, 12, 1, tzinfo=UTC), by="t", calendar=calendar,
                        calendar_name=name, emit=out.append).as_dict()  # fmt: skip
    assert (summary["rows"], summary["invalid"]) == (5, 0), out
    by_ref = {r["reference"]: r for r in out}
    ratio = by_ref["EC-B-002"]["computed_ratio"]
    assert ratio["meets_threshold"] is False  # 11.9 / 12000 = 0.0992 %
    no62 = next(r for r in by_ref["EC-B-004"]["regimes"] if r["regime"] == "no62")
    assert no62["licence_required"] is True  # before the No. 70 window
