"""Catalogue and KPI routes, and the dispatch CLI commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gridloop.dispatch.domain.catalogue import columns
from gridloop.dispatch.services.starter import load_demo_catalogue
from tests.factories import case_body


@pytest.fixture
def demo_catalogue(container, clock):
    with container.uow() as uow:
        return load_demo_catalogue(uow, now=clock.now()).id


def test_rules_are_listed_and_edits_make_versions(as_user, demo_catalogue):
    dispatcher = as_user("dispatcher")
    listed = dispatcher.get("/api/v1/catalogue/rules?category=城乡建设").json()
    assert listed["version"] == demo_catalogue and len(listed["items"]) == 16
    rule = next(r for r in listed["items"] if r["area_code"] == "310107")
    street_rule = {**rule, "area_code": "310107001", "lead_unit": "310107001", "co_units": []}
    r = dispatcher.post("/api/v1/catalogue/rules", json=street_rule)
    assert r.status_code == 201, r.text
    assert r.json()["changes"]["added"] == ["城乡建设×310107001"] and r.json()["created_by"] == "dispatcher"
    versions = dispatcher.get("/api/v1/catalogue/versions").json()["items"]
    assert [v["version"] for v in versions][:2] == [r.json()["version"], demo_catalogue]


def test_overlapping_rule_is_refused(as_user, demo_catalogue):
    dispatcher = as_user("dispatcher")
    rule = dispatcher.get("/api/v1/catalogue/rules").json()["items"][0]
    r = dispatcher.post("/api/v1/catalogue/rules", json=rule)
    assert r.status_code == 422 and "overlap" in r.text


def test_handlers_may_not_edit_the_catalogue(as_user, demo_catalogue):
    rule = as_user("dispatcher").get("/api/v1/catalogue/rules").json()["items"][0]
    handler = as_user("putuo_housing")
    r = handler.client.delete(f"/api/v1/catalogue/rules/{rule['id']}", headers=handler._h())
    assert r.status_code == 403


def test_bad_csv_import_lists_every_line_and_changes_nothing(as_user, demo_catalogue):
    dispatcher = as_user("dispatcher")
    body = "\n".join(
        [
            ",".join(columns()),
            "城乡建设,,310107,NOBODY,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
            "外星人,,310107,310107-FG,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
            "环境保护,,310107,310107-HB,,locality_first,1wd,5wd,,5wd,1wd,1wd",
        ]
    )
    r = dispatcher.post("/api/v1/catalogue/import", content=body.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["line 2", "line 3", "line 4"]
    assert dispatcher.get("/api/v1/catalogue/rules").json()["version"] == demo_catalogue


def test_kpis_route_reports_units(as_user, demo_catalogue):
    as_user("operator").post("/api/v1/cases", json=case_body())
    analyst = as_user("analyst")
    r = analyst.get("/api/v1/kpis?by=unit&from=2026-11-01&to=2026-11-30&key=310107-FG")
    assert r.status_code == 200, r.text
    (row,) = r.json()["items"]
    assert row["n_dispatched"] == 1 and row["on_time_signing_rate"] == 0.0
    assert as_user("putuo_housing").get("/api/v1/kpis?from=2026-11-01&to=2026-11-30").status_code == 403
    assert analyst.get("/api/v1/kpis?from=2026-11-01&to=2026-11-30&by=planet").status_code == 422
    assert analyst.get("/api/v1/kpis/yoy?from=2026-11-01&to=2026-11-30").json()["items"][0]["current"] == 1


def test_kpis_count_only_cases_in_the_callers_scope(as_user, demo_catalogue):
    from tests.factories import YANGPU_GRID

    as_user("operator").post("/api/v1/cases", json=case_body())
    as_user("operator").post("/api/v1/cases", json=case_body(area_code=YANGPU_GRID))
    city = as_user("analyst").get("/api/v1/kpis?by=district&from=2026-11-01&to=2026-11-30").json()["items"]
    assert {row["scope"] for row in city} == {"310107", "310110"}
    putuo = as_user("supervisor").get("/api/v1/kpis?by=district&from=2026-11-01&to=2026-11-30").json()["items"]
    assert {row["scope"] for row in putuo} == {"310107"}
    yoy = as_user("supervisor").get("/api/v1/kpis/yoy?from=2026-11-01&to=2026-11-30").json()["items"]
    assert sum(item["current"] for item in yoy) == 1


def _cli(args, db_url):
    from gridloop.cli import _register, app

    _register()
    return CliRunner().invoke(app, [*args, "--db", db_url])


def test_cli_sla_due_prints_the_deadline(db_url):
    r = _cli(["sla", "due", "--from", "2026-09-30T10:00", "--limit", "5wd"], db_url)
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2026-10-13T23:59:59+08:00"


def test_cli_catalogue_round_trip_and_kpi(db_url, tmp_path, container, clock, demo_catalogue):
    out = tmp_path / "cat.csv"
    assert _cli(["catalogue", "export", str(out)], db_url).exit_code == 0
    r = _cli(["catalogue", "import", str(out), "--by", "tester"], db_url)
    assert r.exit_code == 0 and "0 added, 0 changed, 0 removed" in r.output, r.output
    r = _cli(["sla", "tick", "--at", "2026-12-01T10:00+08:00"], db_url)
    assert r.exit_code == 0 and json.loads(r.output)["examined"] == 0, r.output
    r = _cli(["kpi", "--by", "district", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv"], db_url)
    assert r.exit_code == 0, r.output


def test_cli_override_moves_deadlines(db_url):
    r = _cli(["sla", "override", "2026-10-08", "--holiday", "--reason", "台风停工"], db_url)
    assert r.exit_code == 0, r.output
    r = _cli(["sla", "due", "--from", "2026-09-30T10:00", "--limit", "1wd"], db_url)
    assert r.output.strip() == "2026-10-09T23:59:59+08:00", "the typhoon day does not count"


def test_background_job_ticks_and_stops(container):
    import threading

    from gridloop.cases import jobs as supervision_job

    assert supervision_job.run_once(container)["examined"] == 0
    stop = threading.Event()
    thread = supervision_job.start(container, stop=stop)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
