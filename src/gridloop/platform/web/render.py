"""Templates (Jinja2, autoescape on for every template), the page context, flash messages, formatting."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from gridloop.kernel.org import Role
from gridloop.platform.web import i18n
from gridloop.platform.web.auth import csrf_token, session_me

TEMPLATES = Path(__file__).parent / "templates"
#: Every capability keeps its pages' templates in its own `templates/` folder; the shell's come first.
CAPABILITY_TEMPLATES = sorted(Path(__file__).parents[2].glob("*/templates"))

#: Navigation per role: (path, label key). The first entry is the role's home page.
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.OPERATOR: [("/intake", "nav.intake"), ("/cases", "nav.cases"), ("/participation", "nav.participation")],
    Role.DISPATCHER: [
        ("/queue", "nav.queue"),
        ("/intake", "nav.intake"),
        ("/cases", "nav.cases"),
        ("/patrols", "nav.patrols"),
        ("/drills", "nav.drills"),
    ],
    Role.HANDLER: [
        ("/inbox", "nav.inbox"),
        ("/cases", "nav.cases"),
        ("/participation", "nav.participation"),
        ("/petitions", "nav.petitions"),
    ],
    Role.GRID_WORKER: [("/m/", "nav.field_app"), ("/cases", "nav.cases")],
    Role.SUPERVISOR: [
        ("/board", "nav.board"),
        ("/cases", "nav.cases"),
        ("/emergency", "nav.emergency"),
        ("/patrols", "nav.patrols"),
        ("/participation", "nav.participation"),
        ("/petitions", "nav.petitions"),
        ("/exports", "nav.exports"),
        ("/drills", "nav.drills"),
    ],
    Role.ANALYST: [
        ("/board", "nav.board"),
        ("/cases", "nav.cases"),
        ("/exports", "nav.exports"),
        ("/export-control", "nav.export_control"),
    ],
    Role.KB_EDITOR: [("/kb/articles", "nav.kb"), ("/kb/gaps", "nav.kb_gaps")],
    Role.ADMIN: [
        ("/board", "nav.board"),
        ("/queue", "nav.queue"),
        ("/intake", "nav.intake"),
        ("/inbox", "nav.inbox"),
        ("/cases", "nav.cases"),
        ("/emergency", "nav.emergency"),
        ("/patrols", "nav.patrols"),
        ("/participation", "nav.participation"),
        ("/petitions", "nav.petitions"),
        ("/exports", "nav.exports"),
        ("/drills", "nav.drills"),
        ("/export-control", "nav.export_control"),
        ("/kb/articles", "nav.kb"),
    ],
}

#: Labelled enums every page may use; capabilities add theirs through `console.install(enums=...)`.
ENUMS: dict[str, Any] = {"role": Role}


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def local_time(value: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M", *, tz: tzinfo = UTC) -> str:
    """An ISO time or datetime shown in the zone `tz` (pages use the configured GRIDLOOP_TIMEZONE)."""
    when = _parse(value)
    if when is None:
        return "—"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(tz).strftime(fmt)


def hours_left(due: str | datetime | None, now: datetime) -> float | None:
    """Hours until a deadline (negative when overdue), or None."""
    when = _parse(due)
    return None if when is None else (when - now).total_seconds() / 3600


def urgency_class(hours: float | None) -> str:
    """CSS class of a deadline by time left: overdue, under 4 h, under 24 h, later."""
    if hours is None:
        return "due-none"
    if hours < 0:
        return "due-over"
    if hours < 4:
        return "due-4h"
    if hours < 24:
        return "due-24h"
    return "due-ok"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment: autoescape ON for every template, strict about undefined names."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES, *CAPABILITY_TEMPLATES]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local_filter
    env.globals["urgency_class"] = urgency_class
    env.globals["hours_left"] = hours_left
    return env


@pass_context
def _local_filter(ctx: Context, value: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`{{ when|local }}`: a time in the page's zone (the `tz` of the render context)."""
    return local_time(value, fmt, tz=ctx.get("tz", UTC))


class _Labels:
    """Templates call lbl('status', value) for a label and lbl.colour('status', value) for its colour."""

    def __init__(self, lang: str, enums: dict[str, Any]) -> None:
        self.lang = lang
        self.enums = enums

    def __call__(self, kind: str, value: str | None) -> str:
        if value is None or value == "":
            return "—"
        try:
            return str(self.enums[kind](value).label(self.lang))
        except ValueError:
            return value

    def colour(self, kind: str, value: str | None) -> str:
        """The enum member's colour (slate when unknown)."""
        try:
            return str(self.enums[kind](value).colour)
        except ValueError:
            return "#64748b"


def flash(request: Request, message: str, *, kind: str = "ok", errors: dict[str, str] | None = None) -> None:
    """A message for the next page (kept in the session until shown)."""
    request.session["flash"] = {"message": message, "kind": kind, "errors": errors or {}}


def lang_of(request: Request) -> str:
    """The page language: ?lang=…, else the lang cookie, else Chinese."""
    return i18n.pick_lang(request.query_params.get("lang") or request.cookies.get("lang"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page with the common context: language, translator, labels, user, navigation, CSRF, flash."""
    lang = lang_of(request)
    me = session_me(request)
    role = Role(me["role"]) if me else None
    has_session = "session" in request.scope

    def t(key: str, **params: object) -> str:
        return i18n.t(key, lang, **params)

    enums = {**ENUMS, **getattr(request.app.state, "page_enums", {})}
    ctx_labels = _Labels(lang, enums)

    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": t,
        "lbl": ctx_labels,
        "me": me,
        "role": role,
        "nav": NAV.get(role, []) if role else [],
        "path": request.url.path,
        "csrf": csrf_token(request) if has_session else "",
        "flash": request.session.pop("flash", None) if has_session else None,
        "enums": enums,
        "field_message": lambda message: i18n.field_message(message, lang),
        "other_lang": "en" if lang == "zh" else "zh",
        "tz": ZoneInfo(request.app.state.container.settings.timezone),
    }
    ctx["cat"] = lambda code: _category_label(request, code, lang)
    ctx.update(context or {})
    html = environment().get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status, headers=security_headers(request))


def _category_label(request: Request, code: str | None, lang: str) -> str:
    """A category's label in the page language (categories are data; their labels are cached per request)."""
    if not code:
        return "—"
    if lang == "zh":
        return code
    cache = getattr(request.state, "category_labels", None)
    if cache is None:
        loader = getattr(request.app.state, "category_labels", None)
        cache = loader(request.app.state.container) if loader is not None else {}
        request.state.category_labels = cache
    return str(cache.get(code, code))


def security_headers(request: Request) -> dict[str, str]:
    """CSP (scripts only from this site; map tiles from the configured tile server), no framing, no sniffing."""
    tiles = request.app.state.container.settings.map_tile_url
    img = "'self' data:"
    if tiles:
        parts = urlsplit(tiles)
        host = parts.netloc
        if "{" in host:  # a subdomain template such as {s}.tiles.example.org
            host = "*." + host.split("}.", 1)[1] if "}." in host else ""
        if host:
            img += f" {parts.scheme}://{host}"
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {img}; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def has_route(request: Request, path: str) -> bool:
    """Whether the app serves GET `path` (e.g. the geography feature's map layers), remembered per app."""
    from starlette.routing import Match

    known: dict[str, bool] | None = getattr(request.app.state, "console_routes", None)
    if known is None:
        known = request.app.state.console_routes = {}
    if path not in known:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        known[path] = any(route.matches(scope)[0] is Match.FULL for route in request.app.routes)
    return known[path]
