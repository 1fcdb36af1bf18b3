"""Console login sessions (signed cookie), CSRF tokens, the page actor, and the session → API bridge."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gridloop.kernel.errors import Forbidden, Unauthenticated
from gridloop.kernel.org import Actor, Role
from gridloop.org.services import org
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.web.deps import get_uow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
#: Set at login, removed at logout: a visitor who has it but no session has had their session expire.
SEEN_COOKIE = "gridloop_seen"


class LoginRequired(Exception):
    """The page needs a logged-in user; the handler redirects to /login?next=…"""

    def __init__(self, next_url: str, *, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


class CsrfFailed(Forbidden):
    """A form arrived without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """CsrfFailed unless `sent` equals the session's token."""
    expected = request.session.get("csrf")
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
        raise CsrfFailed("The form's security token is missing or stale; reload the page and submit again.")


def start_session(request: Request, actor: Actor, display_name: str) -> None:
    """Log a user in: a fresh session (new CSRF token) holding who they are."""
    request.session.clear()
    request.session.update(
        {
            "uid": actor.user_id,
            "csrf": secrets.token_urlsafe(32),
            "me": {
                "username": actor.username,
                "display_name": display_name,
                "role": actor.role.value,
                "unit_id": actor.unit_id,
                "unit_path": actor.unit_path,
            },
        }
    )


def session_me(request: Request) -> dict[str, Any] | None:
    """Who is logged in, as stored in the session (for navigation), or None."""
    me = request.session.get("me") if "session" in request.scope else None
    return me if isinstance(me, dict) else None


def safe_next(raw: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if (
        raw
        and raw.startswith("/")
        and not raw.startswith("//")
        and "\\" not in raw
        and all(ch.isprintable() and not ch.isspace() for ch in raw)
    ):
        return raw
    return default


def page_actor(request: Request, uow: Annotated[UnitOfWork, Depends(get_uow)]) -> Actor:
    """The logged-in user of a page, reloaded from the database (role and disabling apply at once)."""
    uid = request.session.get("uid")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in SAFE_METHODS:
        target = request.headers.get("referer", "").split(str(request.base_url).rstrip("/"), 1)[-1] or "/"
    if not isinstance(uid, int):
        raise LoginRequired(safe_next(target), expired=SEEN_COOKIE in request.cookies)
    try:
        return org.actor_by_id(uow.session, uid)
    except Unauthenticated:
        request.session.clear()
        raise LoginRequired(safe_next(target)) from None


PageActor = Annotated[Actor, Depends(page_actor)]


def require_role(actor: Actor, *roles: Role) -> None:
    """Forbidden unless the actor holds one of the roles (administrators always may)."""
    if actor.role is not Role.ADMIN and actor.role not in roles:
        raise Forbidden(f"This page is for {', '.join(r.value for r in roles)}.")


def login_redirect_url(exc: LoginRequired) -> str:
    """Where an anonymous visitor is sent."""
    url = f"/login?next={quote(exc.next_url, safe='/')}"
    return url + "&expired=1" if exc.expired else url


class WebActorMiddleware:
    """Lets the browser call the JSON API with its login session: sets request.state.web_actor.

    Safe methods need only the session; unsafe ones also need the X-CSRF-Token header (no cross-site writes).
    Must sit inside SessionMiddleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            session = scope.get("session") or {}
            me = session.get("me")
            if isinstance(me, dict) and isinstance(session.get("uid"), int):
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
                ok = scope["method"] in SAFE_METHODS or hmac.compare_digest(
                    str(session.get("csrf", "")), headers.get(CSRF_HEADER, "") or "-"
                )
                if ok:
                    scope.setdefault("state", {})["web_actor"] = Actor(
                        user_id=session["uid"],
                        username=str(me["username"]),
                        role=Role(me["role"]),
                        unit_id=int(me["unit_id"]),
                        unit_path=str(me["unit_path"]),
                    )
        await self.app(scope, receive, send)
