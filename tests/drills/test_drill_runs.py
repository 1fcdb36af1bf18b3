"""Drill runs end to end on the demo organisation: repeatable scripted runs, isolation from real channels and KPIs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gridloop.cases.services import console, kpis, queries
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.services.maps import case_counts
from gridloop.cases.services.reports import reports_received
from gridloop.drills.services import auto, report, runs, scoring
from gridloop.emergency.services import incident_queries, warnings
from gridloop.emergency.services.exercise import incidents_of_run, warnings_of_run
from gridloop.kernel.clock import FakeClock
from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.kernel.ports import Notice
from gridloop.platform.container import Container
from gridloop.platform.db.outbox import OutboxRow
from gridloop.platform.org.services.org import actor_for, get_user
from gridloop.platform.outbox import DRILL_CHANNEL, Dispatcher


class SpyNotifier:
    """A real channel that records every notice it is asked to deliver."""

    def __init__(self) -> None:
        self.seen: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.seen.append(notice)


def _actor(container: Container, name: str = "admin"):  # type: ignore[no-untyped-def]
    with container.uow() as work:
        return actor_for(get_user(work.session, name))


def _auto(container: Container, clock: FakeClock, scenario: str):  # type: ignore[no-untyped-def]
    run_clock = FakeClock(clock.now())
    req = runs.StartRequest(scenario=scenario)
    return auto.run_auto(container.uow, _actor(container), req, deps=container.deps, clock=run_clock), run_clock


def _real_snapshot(container: Container, clock: FakeClock) -> dict[str, object]:
    admin = _actor(container)
    with container.uow() as work:
        s = work.session
        period = kpis.Period(clock.now() - timedelta(days=2), clock.now() + timedelta(days=2))
        return {
            "list": queries.list_cases(s, admin, queries.CaseFilter(), now=clock.now())[1],
            "queues": console.queue_counts(s, admin, threshold=0.6),
            "kpis": kpis.kpi_report(s, by=kpis.GroupBy.DISTRICT, period=period),
            "year_on_year": kpis.year_on_year(s, period=period),
            "reports": [r.number for r in reports_received(s, start=None, end=None)],
            "map": case_counts(s, level="district", start=None, end=None, now=clock.now()),
            "incidents": incident_queries.list_incidents(s, admin)[1],
            "four_early": incident_queries.four_early_kpis(s),
            "warnings": warnings.active_warnings(s),
            "recent": warnings.recent_messages(s),
        }


def test_auto_scores_the_same_on_every_run(container: Container, clock: FakeClock) -> None:
    first, _ = _auto(container, clock, "highrise-fire-evacuation")
    clock.advance(hours=3)
    second, _ = _auto(container, clock, "highrise-fire-evacuation")
    assert first.id != second.id
    assert first.score == second.score and first.score is not None
    strip = [{k: v for k, v in i.items() if k != "by"} for i in first.result["items"]]
    assert strip == [{k: v for k, v in i.items() if k != "by"} for i in second.result["items"]]
    outcomes = {i["id"]: i["outcome"] for i in first.result["items"]}
    assert outcomes["brigade-on-site"] == "late"  # the scripted brigade is late on purpose
    assert 0 < first.score < 100


@pytest.mark.parametrize("scenario", ["rainstorm-waterlogging", "gas-leak-old-building"])
def test_each_shipped_scenario_runs_end_to_end_with_the_scripted_responder(
    container: Container, clock: FakeClock, scenario: str
) -> None:
    run, _ = _auto(container, clock, scenario)
    assert run.status == runs.ENDED
    assert run.result["counts"]["missed"] == 0
    assert run.score == 100.0


def test_nothing_from_an_exercise_reaches_a_real_notifier(container: Container, clock: FakeClock) -> None:
    spy = SpyNotifier()
    container.deps.outbox.channels = {"sms": spy}
    _run, run_clock = _auto(container, clock, "gas-leak-old-building")
    with container.uow() as work:
        rows = work.session.scalars(select(OutboxRow.channel)).all()
    assert rows and set(rows) == {DRILL_CHANNEL}  # emergency announcements were written…
    d = Dispatcher(container.uow.engine, container.deps.outbox, run_clock, sleep=lambda _s: None)
    report_ = d.deliver_pending()
    assert report_.sent == len(rows)  # …and delivered to the drill sink
    assert spy.seen == []  # never to a real channel
    # real work alongside still reaches the real channel
    with container.uow() as work:
        receive(work, _actor(container, "operator"),
                NewCase(text="长风公园门口有人晕倒需要急救，请马上派人", urgency="emergency",
                        area_code="31010700100101"), deps=container.deps)  # fmt: skip
    d.clock = FakeClock(run_clock.now() + timedelta(hours=1))
    d.deliver_pending()
    assert spy.seen and all(n.case_number and not n.case_number.startswith("X") for n in spy.seen)


def test_exercise_data_never_shows_in_real_lists_queues_kpis_or_feeds(container: Container, clock: FakeClock) -> None:
    with container.uow() as work:
        receive(work, _actor(container, "operator"),
                NewCase(text="长风新村小区门口路灯不亮已经三天了", area_code="31010700100101"),
                deps=container.deps)  # fmt: skip
    before = _real_snapshot(container, clock)
    run, _ = _auto(container, clock, "rainstorm-waterlogging")
    with container.uow() as work:
        assert incidents_of_run(work.session, run.id)
        stored = warnings_of_run(work.session, run.id)
        assert stored and all(w.status == "Exercise" and "<status>Exercise</status>" in w.xml for w in stored)
        assert all("【演练】" in w.xml for w in stored)
        feed = warnings.feed(work.session, base_url="http://x", now=clock.now())
    assert b"Exercise" not in feed
    assert _real_snapshot(container, clock) == before


def test_tabletop_facilitator_steps_injects_and_records_decisions(container: Container, clock: FakeClock) -> None:
    admin = _actor(container)
    with container.uow() as work:
        run_id = runs.start(work, admin, runs.StartRequest(scenario="gas-leak-old-building", mode=runs.TABLETOP),
                            now=clock.now()).id  # fmt: skip
    with container.uow() as work:
        assert runs.advance(work, run_id, deps=container.deps) == []  # a tabletop never runs by itself
    clock.advance(minutes=2)
    with container.uow() as work:
        assert runs.step(work, admin, run_id, deps=container.deps) == "call-1"
    clock.advance(minutes=1)
    with container.uow() as work:
        runs.record_decision(work, admin, run_id, key="dispatch-call", text="派单给区房管局并通知燃气公司",
                             now=clock.now())  # fmt: skip
        runs.record_decision(work, admin, run_id, key="task-micro-fire", text="微型消防站先期处置", now=clock.now())
    with container.uow() as work:
        assert runs.step(work, admin, run_id, deps=container.deps) == "report-1"
        run_row = runs.get_run(work.session, run_id)
        assert runs.sim_minutes(run_row, clock.now()) == 12.0  # stepped to the next inject and paused
    with container.uow() as work:
        ended = scoring.end(work, admin, run_id, now=clock.now())
        outcomes = {i["id"]: i["outcome"] for i in ended.result["items"]}
        assert not incidents_of_run(work.session, run_id)  # a tabletop feeds no service
    assert outcomes["dispatch-call"] == "on_time" and outcomes["task-micro-fire"] == "on_time"
    assert outcomes["close-incident"] == "missed"


def test_the_report_renders_as_html_with_its_chart_and_as_pdf(container: Container, clock: FakeClock) -> None:
    run, _ = _auto(container, clock, "highrise-fire-evacuation")
    with container.uow() as work:
        data = report.report_data(work.session, run.id)
    html = report.render_html(data)
    assert "【演练】" in html and 'id="drill-chart"' in html and "echarts" in html
    assert f"{run.score:.1f}" in html
    pdf = report.render_pdf(data)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_cli_validate_run_and_report(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gridloop.cli import _register, app

    _register()
    runner = CliRunner()
    ok = runner.invoke(app, ["drill", "validate", "rainstorm-waterlogging"])
    assert ok.exit_code == 0 and "ok:" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\ntitle: x\n", encoding="utf-8")
    res = runner.invoke(app, ["drill", "validate", str(bad)])
    assert isinstance(res.exception, InvalidInput)  # the CLI shell prints it in one line and exits 2
    assert "id: 'Bad Id' does not match" in res.output  # each problem on its own line with its path
    first = runner.invoke(app, ["drill", "run", "gas-leak-old-building", "--auto", "--speed", "0", "--db", db_url])
    second = runner.invoke(app, ["drill", "run", "gas-leak-old-building", "--auto", "--speed", "0", "--db", db_url])
    assert first.exit_code == 0, first.output
    import json

    def score(out: str) -> float:
        return float(json.loads(out[out.index("{") : out.rindex("}") + 1])["score"])

    assert score(first.stdout) == score(second.stdout)
    pdf = tmp_path / "r.pdf"
    res = runner.invoke(app, ["drill", "report", "1", "--format", "pdf", "--out", str(pdf), "--db", db_url])
    assert res.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    missing = runner.invoke(app, ["drill", "report", "999", "--db", db_url])
    assert isinstance(missing.exception, NotFound)
    bad_format = runner.invoke(app, ["drill", "report", "1", "--format", "doc", "--db", db_url])
    assert bad_format.exit_code == 2


def test_a_notice_about_an_exercise_case_goes_to_the_drill_sink_from_any_session(
    container: Container, clock: FakeClock
) -> None:
    """A participant's action in the normal console (a session not marked for the run) still cannot leak."""
    from gridloop.cases.services.exercise import cases_of_run
    from gridloop.cases.tables import CaseRow

    container.deps.outbox.channels = {"sms": SpyNotifier()}
    with container.uow() as work:
        run_id = runs.start(work, _actor(container), runs.StartRequest(scenario="gas-leak-old-building"),
                            now=clock.now()).id  # fmt: skip
    with container.uow() as work:
        runs.advance(work, run_id, deps=container.deps)
    with container.uow() as work:
        exercise_case = cases_of_run(work.session, run_id)[0]
        number, case_id = exercise_case.number, exercise_case.id
        real, _ = receive(work, _actor(container, "operator"),
                          NewCase(text="长风新村小区门口路灯不亮已经三天了", area_code="31010700100101"),
                          deps=container.deps)  # fmt: skip
        real_number = real.number
    with container.uow() as work:  # a fresh, unmarked session, like a console request
        work.session.get(CaseRow, case_id)
        drill = container.deps.outbox.enqueue(work.session, Notice(kind="k", title="t", body="b", case_number=number),
                                              now=clock.now())  # fmt: skip
        live = container.deps.outbox.enqueue(
            work.session, Notice(kind="k", title="t", body="b", case_number=real_number), now=clock.now()
        )
        tagged = container.deps.outbox.enqueue(
            work.session, Notice(kind="k", title="t", body="b", payload={"exercise_run_id": run_id}), now=clock.now()
        )
        work.commit()
        channels = dict(work.session.execute(select(OutboxRow.message_id, OutboxRow.channel)).all())
    assert [channels[m] for m in drill] == [DRILL_CHANNEL]
    assert [channels[m] for m in tagged] == [DRILL_CHANNEL]
    assert [channels[m] for m in live] == ["sms"]


def test_an_exercise_case_cannot_become_a_real_hazard(container: Container, clock: FakeClock) -> None:
    from gridloop.cases.services.exercise import cases_of_run
    from gridloop.emergency.services.hazards import hazard_from_case
    from gridloop.kernel.errors import Conflict

    with container.uow() as work:
        run_id = runs.start(work, _actor(container), runs.StartRequest(scenario="gas-leak-old-building"),
                            now=clock.now()).id  # fmt: skip
    with container.uow() as work:
        runs.advance(work, run_id, deps=container.deps)
    with container.uow() as work:
        number = cases_of_run(work.session, run_id)[0].number
    with container.uow() as work, pytest.raises(Conflict):
        hazard_from_case(work, _actor(container, "supervisor"), number, now=clock.now())
