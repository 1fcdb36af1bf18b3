"""Emergency console pages: hazard register and risk map, warnings board, incident command board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.dispatch.services.calendar import work_calendar
from gridloop.emergency.pages.text import translator
from gridloop.emergency.services import hazard_queries as hq
from gridloop.emergency.services import hazards as hz
from gridloop.emergency.services import incident_queries as iq
from gridloop.emergency.services import incidents as inc
from gridloop.emergency.services import teams as tm
from gridloop.emergency.services import warnings as wn
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Role
from gridloop.platform.web.auth import PageActor, check_csrf, require_role
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
ROLES = (Role.SUPERVISOR, Role.DISPATCHER, Role.ANALYST)
Text = Annotated[str, Form(max_length=5000)]
Short = Annotated[str, Form(max_length=100)]


def _page(request: Request, template: str, ctx: dict[str, Any]) -> Response:
    return render(request, template, {**ctx, "t": translator(lang_of(request))})


def _fail(request: Request, exc: Exception) -> None:
    detail = getattr(exc, "detail", str(exc))
    flash(request, str(detail), kind="error")


@router.get("/emergency")
def home() -> RedirectResponse:
    """The emergency pages start at the hazard register."""
    return RedirectResponse("/emergency/hazards", status_code=303)


@router.get("/emergency/hazards")
def hazards_page(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, status: str = "", colour: str = "",
    district: str = "", q: str = "", page: int = 1,
) -> Response:  # fmt: skip
    """The register with filters, the four-colour counts per district and the hazards on a map."""
    require_role(actor, *ROLES)
    now = deps.clock.now()
    page = max(1, min(page, 100_000))
    f = hq.HazardFilter(status=[status] if status else None, colour=colour or None, district=district or None,
                        text=q[:100] or None)  # fmt: skip
    rows, total = hq.list_hazards(uow.session, actor, f, now=now, page=page, per_page=PER_PAGE)
    summary = hq.risk_summary(uow.session, actor, by="district")
    query = request.url.query
    ctx = {
        "items": [hq.hazard_to_dict(r, now=now) for r in rows], "total": total, "page": page,
        "pages": max(1, -(-total // PER_PAGE)), "summary": summary, "points": hq.points(rows),
        "f": {"status": status, "colour": colour, "district": district, "q": q[:100]},
        "export_url": "/api/v1/emergency/hazards/export.csv" + (f"?{query}" if query else ""),
        "tile_url": request.app.state.container.settings.map_tile_url,
    }  # fmt: skip
    return _page(request, "emergency_hazards.html", ctx)


@router.get("/emergency/hazards/{hazard_id}")
def hazard_page(request: Request, hazard_id: int, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """One hazard: place, risk, the 五落实, deadline and supervision, history, and the actions allowed now."""
    require_role(actor, *ROLES)
    now = deps.clock.now()
    row = hz.get_hazard(uow.session, actor, hazard_id)
    ctx = {"h": hq.hazard_to_dict(row, now=now, calendar=work_calendar(uow.session)),
           "history": [hq.event_to_dict(e) for e in hq.history(uow.session, hazard_id)]}  # fmt: skip
    return _page(request, "emergency_hazard.html", ctx)


def _num(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        raise InvalidInput(f"'{text}' is not a number") from None


@router.post("/emergency/hazards/{hazard_id}/act")
def hazard_act(
    request: Request, hazard_id: int, actor: PageActor, uow: UowDep, deps: DepsDep,
    action: Annotated[str, Form(max_length=20)], csrf: Short = "", note: Text = "", likelihood: Short = "",
    exposure: Short = "", consequence: Short = "", unit: Short = "", workdays: Short = "",
    responsible_person: Short = "", measures: Text = "", funds: Short = "", interim_controls: Text = "",
    plan: Text = "",
) -> RedirectResponse:  # fmt: skip
    """Take one lifecycle action through the register service, then back to the hazard."""
    check_csrf(request, csrf)
    back = f"/emergency/hazards/{hazard_id}"
    try:
        plan_fields: dict[str, Any] = {k: v.strip() for k, v in (("responsible_person", responsible_person),
                                      ("measures", measures), ("interim_controls", interim_controls),
                                      ("plan", plan)) if v.strip()}  # fmt: skip
        if funds.strip():
            plan_fields["funds"] = _num(funds)
        req = hz.HazardActionRequest(
            action=action, note=note, likelihood=_num(likelihood), exposure=_num(exposure),
            consequence=_num(consequence), unit=unit.strip(),
            deadline_workdays=int(workdays) if workdays.strip().isdigit() else None, plan_fields=plan_fields,
        )  # fmt: skip
        hz.act_on_hazard(uow, actor, hazard_id, req, now=deps.clock.now())
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        _fail(request, exc)
        return RedirectResponse(back, status_code=303)
    flash(request, translator(lang_of(request))("em.done", action=action))
    return RedirectResponse(back, status_code=303)


@router.get("/emergency/warnings")
def warnings_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Active warnings (newest message of each chain not cancelled) coloured by level, and the recent messages."""
    require_role(actor, *ROLES)
    ctx = {"active": wn.active_warnings(uow.session), "recent": wn.recent_messages(uow.session, limit=30)}
    return _page(request, "emergency_warnings.html", ctx)


@router.post("/emergency/warnings/open-incident")
def open_from_warning(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep,
    identifier: Annotated[str, Form(max_length=64)], csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Open an incident from a warning and go to its command board."""
    check_csrf(request, csrf)
    try:
        row = inc.open_incident_from_warning(uow, actor, identifier, now=deps.clock.now())
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        _fail(request, exc)
        return RedirectResponse("/emergency/warnings", status_code=303)
    return RedirectResponse(f"/emergency/incidents/{row.id}", status_code=303)


@router.get("/emergency/incidents")
def incidents_page(request: Request, actor: PageActor, uow: UowDep, status: str = "") -> Response:
    """Incidents, newest first."""
    require_role(actor, *ROLES)
    rows, total = iq.list_incidents(uow.session, actor, status=status or None, per_page=100)
    ctx = {"items": [iq.incident_to_dict(r) for r in rows], "total": total}
    return _page(request, "emergency_incidents.html", ctx)


@router.get("/emergency/incidents/{incident_id}")
def incident_page(
    request: Request, incident_id: int, actor: PageActor, uow: UowDep, skill: str = "", n: int = 3
) -> Response:
    """The command board: facts and 四早, tasks with acknowledgement, nearest teams for a skill, timeline, map."""
    require_role(actor, *ROLES)
    s = uow.session
    row = inc.get_incident(s, actor, incident_id)
    tasks = iq.tasks(s, incident_id)
    teams = iq.teams_of(s, tasks)
    ranked: list[dict[str, Any]] = []
    if skill and row.lng is not None and row.lat is not None:
        ranked = [tm.team_to_dict(t, r) for t, r in tm.recommend(s, skill=skill[:50], lng=row.lng, lat=row.lat,
                                                                 n=max(1, min(n, 20)))]  # fmt: skip
    ctx = {
        "i": iq.incident_to_dict(row), "tasks": [iq.task_to_dict(t, teams=teams) for t in tasks],
        "timeline": [iq.event_to_dict(e) for e in iq.timeline(s, incident_id)], "ranked": ranked,
        "skill": skill[:50], "n": n, "all_teams": [tm.team_to_dict(t) for t in tm.list_teams(s)],
        "tile_url": request.app.state.container.settings.map_tile_url,
        "points": [{"lng": row.lng, "lat": row.lat, "title": row.title, "colour": "red", "kind": "incident"}]
        if row.lng is not None and row.lat is not None else [],
    }  # fmt: skip
    return _page(request, "emergency_incident.html", ctx)


@router.post("/emergency/incidents/{incident_id}/send-teams")
def send_teams(
    request: Request, incident_id: int, actor: PageActor, uow: UowDep, deps: DepsDep,
    skill: Annotated[str, Form(max_length=50)], n: Annotated[int, Form(ge=1, le=20)] = 1, csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Send the N nearest available teams with the skill."""
    check_csrf(request, csrf)
    back = f"/emergency/incidents/{incident_id}"
    try:
        tm.send_teams(uow, actor, incident_id, skill=skill.strip(), n=n, now=deps.clock.now())
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        _fail(request, exc)
        return RedirectResponse(f"{back}?skill={skill.strip()}", status_code=303)
    flash(request, translator(lang_of(request))("em.done", action=skill))
    return RedirectResponse(back, status_code=303)


@router.post("/emergency/incidents/{incident_id}/act")
def incident_act(
    request: Request, incident_id: int, actor: PageActor, uow: UowDep, deps: DepsDep,
    action: Annotated[str, Form(max_length=20)], csrf: Short = "", grade: Short = "", text: Text = "",
    commander: Short = "", mark: Short = "",
) -> RedirectResponse:  # fmt: skip
    """One command action (regrade, commander, mark, note, close, review)."""
    check_csrf(request, csrf)
    back = f"/emergency/incidents/{incident_id}"
    req = inc.IncidentActionRequest(action=action, grade=grade or None, text=text, commander=commander or None,
                                    mark=mark or None)  # fmt: skip
    try:
        inc.act_on_incident(uow, actor, incident_id, req, now=deps.clock.now())
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        _fail(request, exc)
        return RedirectResponse(back, status_code=303)
    flash(request, translator(lang_of(request))("em.done", action=action))
    return RedirectResponse(back, status_code=303)


@router.post("/emergency/incidents/{incident_id}/tasks/{task_id}/act")
def task_act(
    request: Request, incident_id: int, task_id: int, actor: PageActor, uow: UowDep, deps: DepsDep,
    action: Annotated[str, Form(max_length=20)], csrf: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Acknowledge, arrive, finish or cancel a task."""
    check_csrf(request, csrf)
    back = f"/emergency/incidents/{incident_id}"
    try:
        inc.act_on_task(uow, actor, incident_id, task_id, action, now=deps.clock.now())
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        _fail(request, exc)
        return RedirectResponse(back, status_code=303)
    flash(request, translator(lang_of(request))("em.done", action=action))
    return RedirectResponse(back, status_code=303)
