"""Petition API and CLI: register, visibility by unit, problem details, 诉访分离 advice, limits listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from petition_factories import seed
from typer.testing import CliRunner

from gridloop.cli import _register
from gridloop.cli import app as root_app

BODY = {
    "petition_class": "claim", "channel": "online", "petitioner_name": "李梅", "petitioner_phone": "13900001111",
    "subject": "噪声扰民", "facts": "楼下饭店油烟和夜间噪声扰民，多次投诉无果。", "request": "要求整改",
}  # fmt: skip


@pytest.fixture
def people(container: Any) -> dict[str, Any]:
    return seed(container)


def test_office_registers_and_an_outside_unit_gets_404(as_user: Any, people: dict[str, Any]) -> None:
    created = as_user("xf_putuo").post("/api/v1/petitions", json=BODY)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert as_user("xf_putuo").get(f"/api/v1/petitions/{pid}").json()["petitioner"] == "李梅"
    assert as_user("yangpu_housing").get(f"/api/v1/petitions/{pid}").status_code == 404
    assert as_user("admin").get("/api/v1/petitions").json() == []


def test_accepting_twice_is_a_409_problem(as_user: Any, people: dict[str, Any]) -> None:
    api = as_user("xf_putuo")
    pid = api.post("/api/v1/petitions", json=BODY).json()["id"]
    ok = api.post(f"/api/v1/petitions/{pid}/accept", json={"handling_unit_code": "310107-FG"})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted", ok.text
    again = api.post(f"/api/v1/petitions/{pid}/accept", json={"handling_unit_code": "310107-FG"})
    assert again.status_code == 409, again.text


def test_bad_class_is_a_422_naming_the_field(as_user: Any, people: dict[str, Any]) -> None:
    response = as_user("xf_putuo").post("/api/v1/petitions", json={**BODY, "petition_class": "complaint"})
    assert response.status_code == 422 and "petition_class" in response.text


def test_separation_advice_explains_itself(as_user: Any, people: dict[str, Any]) -> None:
    body = (
        as_user("xf_putuo").post("/api/v1/petitions/separate", json={"text": "不服区市场监管局的行政处罚决定"}).json()
    )
    assert body["channel"] == "admin_reconsideration" and "行政处罚" in body["explanation"], body


def test_limits_list_cites_the_regulation(as_user: Any, people: dict[str, Any]) -> None:
    limits = {x["key"]: x for x in as_user("admin").get("/api/v1/petitions/limits").json()}
    assert limits["handling"]["days"] == 60 and "信访工作条例" in limits["handling"]["citation"]


def test_cli_registers_and_accepts(db_url: str, container: Any, people: dict[str, Any], tmp_path: Path) -> None:
    _register()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(BODY, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(root_app, ["petition", "register", "-i", str(path), "--as", "xf_putuo", "--db", db_url])
    assert out.exit_code == 0, out.output
    pid = json.loads(out.output)["id"]
    out = runner.invoke(root_app, ["petition", "act", str(pid), "accept", "--unit", "310107-FG", "--as", "xf_putuo",
                                   "--db", db_url])  # fmt: skip
    assert out.exit_code == 0 and "accepted" in out.output, out.output
    out = runner.invoke(root_app, ["petition", "limits", "--db", db_url])
    assert "review_request" in out.output and "30" in out.output
