"""Drill console pages (应急演练): scenarios and runs, start a run, the run board (clock, injects, expected vs
done, decisions), the after-action report. Participants act on the run's cases and incidents in the normal
console pages, which show the 演练 label."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridloop.cases.services.exercise import cases_of_run
from gridloop.drills.adapters.scenario_file import load, shipped_ids
from gridloop.drills.domain.actions import ACTIONS, INJECT_KINDS
from gridloop.drills.domain.scoring import OUTCOME_LABELS
from gridloop.drills.services import report, runs, scoring
from gridloop.emergency.services import incidents as em
from gridloop.emergency.services.exercise import incidents_of_run, warnings_of_run
from gridloop.kernel.errors import DomainError, NotFound
from gridloop.platform.db.exercise import enter_exercise
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=2000)]
RunId = Annotated[int, Path(ge=1, le=2_147_483_647)]
SPEEDS = (1, 2, 5, 10, 30, 60)


def _fail(request: Request, exc: DomainError) -> None:
    detail = str(exc) + ("：" + "；".join(f"{e.field} {e.message}" for e in exc.errors) if exc.errors else "")
    flash(request, detail, kind="error")


@router.get("/drills")
def drills_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """The shipped scenarios with a start form, and the runs, newest first."""
    scenarios = []
    for sid in shipped_ids():
        s, _ = load(sid)
        scenarios.append({"id": s.id, "title": s.title, "summary": s.summary, "injects": len(s.injects),
                          "expected": len(s.expected), "minutes": s.duration_minutes})  # fmt: skip
    items = [
        {"id": r.id, "title": r.title, "mode": runs.MODES[r.mode][0], "status": runs.STATUSES[r.status][0],
         "running": r.status == runs.RUNNING, "score": r.score, "started_at": r.started_at, "auto": r.auto}
        for r in runs.list_runs(uow.session)
    ]  # fmt: skip
    can_run = actor.role.value in runs.FACILITATOR_ROLES
    return render(request, "drills.html", {"scenarios": scenarios, "runs": items, "can_run": can_run,
                                           "speeds": SPEEDS, "modes": runs.MODES})  # fmt: skip


@router.post("/drills/start")
def start_run(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, scenario: Short, mode: Short = runs.EXERCISE,
    speed: Short = "1", csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Start an exercise or a tabletop run of a shipped scenario and go to its board."""
    check_csrf(request, csrf)
    try:
        value = float(speed) if speed.strip() else 1.0
        run = runs.start(uow, actor, runs.StartRequest(scenario=scenario, mode=mode, speed=value),
                         now=deps.clock.now())  # fmt: skip
        run_id = run.id
    except ValueError:
        flash(request, "速度须为数字", kind="error")
        return RedirectResponse("/drills", status_code=303)
    except DomainError as exc:
        _fail(request, exc)
        return RedirectResponse("/drills", status_code=303)
    with deps.write_lock:
        runs.advance(uow, run_id, deps=deps)
    return RedirectResponse(f"/drills/{run_id}", status_code=303)


def _board(request: Request, actor: Any, uow: Any, deps: Any, run_id: int) -> dict[str, Any]:
    session = uow.session
    run = runs.get_run(session, run_id)
    scenario = runs.scenario_of(run)
    now = deps.clock.now()
    done = runs.delivered(session, run.id)
    roles = {r.id: r.name for r in scenario.roles}
    injects = []
    for i in scenario.timeline():
        e = done.get(i.id)
        injects.append({"id": i.id, "at": i.at_minutes, "title": i.title, "kind": INJECT_KINDS[i.kind][0],
                        "delivered": e is not None, "text": i.text or i.report.get("text", ""),
                        "to": [roles.get(t, t) for t in i.to], "case_id": e.data.get("case_id") if e else None,
                        "case_number": e.data.get("case_number") if e else None})  # fmt: skip
    result = scoring.summary(session, run)
    expected = [{**it, "role_name": roles.get(it["role"], it["role"]), "action_zh": ACTIONS[it["action"]].zh,
                 "outcome_zh": OUTCOME_LABELS[it["outcome"]][0]} for it in result["items"]]  # fmt: skip
    segs = runs.segments(run)
    return {
        "run": run, "scenario": scenario, "run_id": run.id, "sim": runs.sim_minutes(run, now),
        "speed": segs[-1].speed if segs else 0, "running": run.status == runs.RUNNING,
        "mode_zh": runs.MODES[run.mode][0], "status_zh": runs.STATUSES[run.status][0], "injects": injects,
        "cases": cases_of_run(session, run.id), "incidents": incidents_of_run(session, run.id),
        "warnings": [w for w in warnings_of_run(session, run.id)], "expected": expected, "result": result,
        "decisions": [e for e in runs.events(session, run.id) if e.kind == "decision"],
        "can_run": actor.role.value in runs.FACILITATOR_ROLES, "speeds": SPEEDS, "roles": roles,
    }  # fmt: skip


@router.get("/drills/{run_id}")
def board_page(request: Request, run_id: RunId, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """The run board: the clock and its controls, injects, the run's cases/incidents/warnings, expected vs done."""
    with deps.write_lock:
        runs.advance(uow, run_id, deps=deps)  # injects whose time has come arrive now
    return render(request, "drill_board.html", _board(request, actor, uow, deps, run_id))


@router.post("/drills/{run_id}/clock")
def clock_action(
    request: Request, run_id: RunId, actor: PageActor, uow: UowDep, deps: DepsDep,
    action: Annotated[str, Form(pattern="^(speed|pause|resume|step)$")], speed: Short = "1", csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Pause, resume, change speed, or step to the next inject."""
    check_csrf(request, csrf)
    back = RedirectResponse(f"/drills/{run_id}", status_code=303)
    try:
        if action == "step":
            with deps.write_lock:
                runs.step(uow, actor, run_id, deps=deps)
        else:
            value = 0.0 if action == "pause" else float(speed or 1)
            runs.set_speed(uow, actor, run_id, value, deps=deps)
    except ValueError:
        flash(request, "速度须为数字", kind="error")
    except DomainError as exc:
        _fail(request, exc)
    return back


@router.post("/drills/{run_id}/decision")
def decision(
    request: Request, run_id: RunId, actor: PageActor, uow: UowDep, deps: DepsDep, text: Text, key: Short = "",
    by: Short = "", csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Record a decision (tabletop) or an observed action against an expected action."""
    check_csrf(request, csrf)
    try:
        runs.record_decision(uow, actor, run_id, key=key, text=text, by=by, now=deps.clock.now())
    except DomainError as exc:
        _fail(request, exc)
    return RedirectResponse(f"/drills/{run_id}", status_code=303)


@router.post("/drills/{run_id}/open-incident")
def open_incident(
    request: Request, run_id: RunId, actor: PageActor, uow: UowDep, deps: DepsDep,
    identifier: Annotated[str, Form(max_length=64)], csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """启动应急响应 from one of the run's exercise warnings (the incident belongs to the run)."""
    check_csrf(request, csrf)
    try:
        if identifier not in {w.identifier for w in warnings_of_run(uow.session, run_id)}:
            raise NotFound(f"No warning '{identifier}' in drill run {run_id}.")
        enter_exercise(uow.session, run_id)
        row = em.open_incident_from_warning(uow, actor, identifier, now=deps.clock.now())
    except DomainError as exc:
        _fail(request, exc)
        return RedirectResponse(f"/drills/{run_id}", status_code=303)
    return RedirectResponse(f"/emergency/incidents/{row.id}", status_code=303)


@router.post("/drills/{run_id}/end")
def end_run(request: Request, run_id: RunId, actor: PageActor, uow: UowDep, deps: DepsDep,
            csrf: Short = "") -> RedirectResponse:  # fmt: skip
    """End the run and keep its score; go to the report."""
    check_csrf(request, csrf)
    try:
        scoring.end(uow, actor, run_id, now=deps.clock.now())
    except DomainError as exc:
        _fail(request, exc)
        return RedirectResponse(f"/drills/{run_id}", status_code=303)
    return RedirectResponse(f"/drills/{run_id}/report", status_code=303)


@router.get("/drills/{run_id}/report")
def report_page(request: Request, run_id: RunId, actor: PageActor, uow: UowDep) -> Response:
    """The after-action report in the console (timeline chart, expected vs done, findings)."""
    data = report.report_data(uow.session, run_id)
    return render(request, "drill_report.html", {"d": data, "run_id": run_id})


@router.get("/drills/{run_id}/report.html", response_class=HTMLResponse)
def report_html(run_id: RunId, actor: PageActor, uow: UowDep) -> Response:
    """The report as one self-contained HTML file (download)."""
    body = report.render_html(report.report_data(uow.session, run_id))
    headers = {"Content-Disposition": f'attachment; filename="drill-{run_id}-report.html"'}
    return HTMLResponse(body, headers=headers)


@router.get("/drills/{run_id}/report.pdf")
def report_pdf(run_id: RunId, actor: PageActor, uow: UowDep) -> Response:
    """The printable PDF."""
    body = report.render_pdf(report.report_data(uow.session, run_id))
    headers = {"Content-Disposition": f'attachment; filename="drill-{run_id}-report.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
