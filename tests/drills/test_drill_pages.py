"""Drill console pages: start a run, the board with its clock controls, decisions, end, report (HTML and PDF)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gridloop.kernel.clock import FakeClock
from tests.web_helpers import login, post_form


def test_a_facilitator_runs_a_drill_from_the_console(app_client: TestClient, clock: FakeClock) -> None:
    login(app_client, "admin")
    page = app_client.get("/drills")
    assert page.status_code == 200 and "应急演练" in page.text and "gas-leak-old-building" in page.text
    r = post_form(app_client, "/drills/start", {"scenario": "gas-leak-old-building", "mode": "exercise",
                  "speed": "10"}, from_page="/drills")  # fmt: skip
    assert r.status_code == 303
    board_url = r.headers["location"]
    board = app_client.get(board_url)
    assert board.status_code == 200 and "【演练】" in board.text
    assert 'data-inject="call-1" class="delivered"' in board.text  # the call at 0 arrived and became a case
    case_url = board.text.split('class="inject-case"')[0].rsplit('href="', 1)[1].split('"')[0]
    case_page = app_client.get(case_url)
    assert case_page.status_code == 200 and "【演练】" in case_page.text  # labelled on the normal case page
    incident_url = "/emergency/incidents/" + board.text.split('href="/emergency/incidents/')[1].split('"')[0]
    incident_page = app_client.get(incident_url)
    assert incident_page.status_code == 200 and "【演练】" in incident_page.text  # and on the command board
    number = board.text.split('href="/emergency/incidents/')[1].split("</a>")[0].rsplit(" ", 1)[1]
    assert number.startswith("TF") and number not in app_client.get("/emergency/incidents").text  # not a real one
    clock.advance(minutes=2)  # ×10: the run clock is at 20 minutes → report-1 (12) arrives
    board = app_client.get(board_url)
    assert 'data-inject="report-1" class="delivered"' in board.text
    r = post_form(app_client, f"{board_url}/clock", {"action": "pause"}, from_page=board_url)
    assert r.status_code == 303
    r = post_form(app_client, f"{board_url}/decision", {"key": "decide-cordon", "text": "警戒扩大至2号、4号楼"},
                  from_page=board_url)  # fmt: skip
    assert r.status_code == 303
    r = post_form(app_client, f"{board_url}/clock", {"action": "step"}, from_page=board_url)
    assert 'data-inject="msg-1" class="delivered"' in app_client.get(board_url).text
    r = post_form(app_client, f"{board_url}/end", {}, from_page=board_url)
    assert r.headers["location"].endswith("/report")
    report = app_client.get(r.headers["location"])
    assert report.status_code == 200 and 'id="drill-score"' in report.text and "/static/drills.js" in report.text
    assert 'data-id="decide-cordon" data-outcome="on_time"' in report.text
    pdf = app_client.get(f"{board_url}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "【演练】" in app_client.get(f"{board_url}/report.html").text


def test_participants_may_see_the_board_but_not_steer_it(app_client: TestClient) -> None:
    login(app_client, "dispatcher")
    assert app_client.get("/drills").status_code == 200
    r = app_client.post("/drills/start", data={"scenario": "gas-leak-old-building", "csrf": "x"})
    assert r.status_code in (303, 403)
    assert app_client.get("/drills/9999").status_code == 404


def test_the_serve_job_delivers_injects_when_their_minute_comes(container, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from gridloop.drills import jobs
    from gridloop.drills.services import runs
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as work:
        admin = actor_for(get_user(work.session, "admin"))
        run_id = runs.start(work, admin, runs.StartRequest(scenario="gas-leak-old-building", speed=60),
                            now=clock.now()).id  # fmt: skip
    assert jobs.run_once(container) == {run_id: ["call-1"]}
    clock.advance(seconds=12)  # ×60: 12 run minutes
    assert jobs.run_once(container) == {run_id: ["report-1"]}
    assert jobs.run_once(container) == {}


def test_a_tabletop_is_stepped_and_decided_on_the_board(app_client: TestClient) -> None:
    login(app_client, "supervisor")
    r = post_form(app_client, "/drills/start", {"scenario": "highrise-fire-evacuation", "mode": "tabletop"},
                  from_page="/drills")  # fmt: skip
    board_url = r.headers["location"]
    board = app_client.get(board_url)
    assert "桌面推演" in board.text and 'class="delivered"' not in board.text  # nothing arrives by itself
    post_form(app_client, f"{board_url}/clock", {"action": "step"}, from_page=board_url)
    board = app_client.get(board_url)
    assert 'data-inject="call-1" class="delivered"' in board.text and "inject-case" not in board.text  # no case
    post_form(app_client, f"{board_url}/decision", {"key": "dispatch-call", "text": "立即派单给真如镇街道"},
              from_page=board_url)  # fmt: skip
    bad = post_form(app_client, f"{board_url}/decision", {"key": "nope", "text": "x"}, from_page=board_url)
    assert bad.status_code == 303 and "unknown expected action" in app_client.get(board_url).text
    r = post_form(app_client, f"{board_url}/end", {}, from_page=board_url)
    report = app_client.get(r.headers["location"]).text
    assert 'data-id="dispatch-call" data-outcome="on_time"' in report
    assert 'data-id="escalate" data-outcome="missed"' in report


def test_the_commander_opens_an_exercise_incident_from_the_runs_warning(app_client: TestClient) -> None:
    login(app_client, "supervisor")
    r = post_form(app_client, "/drills/start", {"scenario": "rainstorm-waterlogging", "speed": "1"},
                  from_page="/drills")  # fmt: skip
    board_url = r.headers["location"]
    board = app_client.get(board_url).text
    assert "暴雨" in board and 'action="' + board_url + '/open-incident"' in board
    identifier = board.split('name="identifier" value="')[1].split('"')[0]
    r = post_form(app_client, f"{board_url}/open-incident", {"identifier": identifier}, from_page=board_url)
    assert r.headers["location"].startswith("/emergency/incidents/")
    incident = app_client.get(r.headers["location"]).text
    assert "【演练】" in incident
    assert identifier not in app_client.get("/emergency/warnings").text  # the real warnings board never shows it
    assert 'data-id="open-response" data-outcome="on_time"' in app_client.get(board_url).text
