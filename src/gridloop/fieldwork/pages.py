"""Field pages: the grid worker's phone app at /m/ (an installable PWA) and the street office's patrol tasks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from gridloop.fieldwork.domain import ASSIGNERS, parse_checklist
from gridloop.fieldwork.services import patrols
from gridloop.fieldwork.text import TEXT, translator
from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.org import Role
from gridloop.platform.org.services import admin
from gridloop.platform.web.auth import PageActor, check_csrf, require_role
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.i18n import field_message
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)

#: The phone may use its camera, microphone (dictation) and position on these pages only.
PHONE_PERMISSIONS = "camera=(self), microphone=(self), geolocation=(self), payment=()"


def _phone_headers(response: Response) -> Response:
    csp = response.headers.get("content-security-policy", "")
    response.headers["content-security-policy"] = csp.replace("img-src 'self' data:", "img-src 'self' data: blob:")
    response.headers["permissions-policy"] = PHONE_PERMISSIONS
    return response


@router.get("/m")
def mobile_root() -> RedirectResponse:
    """The app lives under /m/ (the service worker's scope)."""
    return RedirectResponse("/m/", status_code=308)


@router.get("/m/")
def mobile_app(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """The grid worker's app: my grid on a map, report what I see (offline too), patrols, my reports."""
    require_role(actor, Role.GRID_WORKER)
    lang = lang_of(request)
    t = translator(lang)
    strings = {k: t(k) for k in TEXT if k.startswith("m.")}
    ctx = {
        "t": t,
        "strings_json": json.dumps(strings, ensure_ascii=False),
        "categories": admin.list_categories(uow),
        "tile_url": request.app.state.container.settings.map_tile_url or "",
    }
    return _phone_headers(render(request, "mobile.html", ctx))


@router.get("/m/manifest.webmanifest")
def manifest(request: Request) -> Response:
    """The web app manifest: installable, standalone, portrait, Chinese name first."""
    body = {
        "name": "网格闭环 · 网格员",
        "short_name": "网格员",
        "description": "网格员移动端：巡查上报、就地解决、巡查任务 (gridloop grid worker app)",
        "lang": "zh-CN",
        "start_url": "/m/",
        "scope": "/m/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1d4ed8",
        "icons": [
            {"src": "/static/m-icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": "/static/m-icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
            {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/m/sw.js")
def service_worker() -> Response:
    """The service worker, served from /m/ so that its scope is the app."""
    source = (resources.files("gridloop.platform.web") / "static" / "m-sw.js").read_text(encoding="utf-8")
    headers = {
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": "/m/",
        # the worker's own policy: it fetches (and caches) this site's shell, nothing else
        "Content-Security-Policy": "default-src 'none'; connect-src 'self'; script-src 'self'",
    }
    return Response(source, media_type="text/javascript", headers=headers)


def _due(raw: str, tz: ZoneInfo) -> datetime | None:
    if not raw.strip():
        return None
    try:
        day = datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("Bad date.", errors=[FieldError("due", "YYYY-MM-DD")]) from None
    return datetime.combine(day, time(23, 59), tzinfo=tz).astimezone(UTC)


def _tasks_ctx(uow: Any, actor: Any) -> dict[str, Any]:
    tasks = patrols.list_tasks(uow.session, actor)
    checks = patrols.checkins_of(uow.session, [x.id for x in tasks])
    return {
        "tasks": [patrols.task_to_dict(x, checks[x.id]) for x in tasks],
        "workers": patrols.grid_workers_below(uow.session, actor),
    }


@router.get("/patrols")
def patrol_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """The street office's patrol tasks: assign one, follow the check-ins."""
    require_role(actor, *ASSIGNERS)
    t = translator(lang_of(request))
    return render(request, "patrols.html", {"t": t, "form": {}, **_tasks_ctx(uow, actor)})


@router.post("/patrols")
def patrol_assign(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    assignee: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    checklist: Annotated[str, Form(max_length=5000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    due: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Assign a task; problems are shown next to their fields with the form kept."""
    check_csrf(request, csrf)
    require_role(actor, *ASSIGNERS)
    lang = lang_of(request)
    t = translator(lang)
    form = {"assignee": assignee, "title": title, "checklist": checklist, "note": note, "due": due}
    try:
        data = patrols.NewTask(
            assignee=assignee,
            title=title,
            checklist=parse_checklist(checklist),
            note=note,
            due_at=_due(due, deps.tz),
        )
        task = patrols.assign(uow, actor, data, deps=deps)
    except InvalidInput as exc:
        errors = {e.field: field_message(e.message, lang) for e in exc.errors}
        ctx = {"t": t, "form": form, "errors": errors, **_tasks_ctx(uow, actor)}
        return render(request, "patrols.html", ctx, status=422)
    flash(request, t("patrol.done", title=task.title))
    return RedirectResponse("/patrols", status_code=303)
