"""Console login sessions (kept on the server), CSRF tokens, the page actor, and the session → API bridge."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import Depends, Request
from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridloop.kernel.errors import Forbidden
from gridloop.kernel.org import Actor, Role
from gridloop.platform.org.services import org

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
#: Set at login, removed at logout: a visitor who has it but no session has had their session expire.
SEEN_COOKIE = "gridloop_seen"
#: Where the session middleware keeps its SessionHandle in the ASGI scope.
SESSION_HANDLE = "gridloop.session"


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
    """Log a user in: a new server-side session (new id, new CSRF token); the old one is revoked."""
    request.session.clear()
    request.session["csrf"] = secrets.token_urlsafe(32)
    handle = request.scope.get(SESSION_HANDLE)
    if isinstance(handle, SessionHandle):
        handle.start_user = actor.user_id
        handle.user = {
            "username": actor.username,
            "display_name": display_name,
            "role": actor.role.value,
            "unit_id": actor.unit_id,
            "unit_path": actor.unit_path,
        }


def end_session(request: Request) -> None:
    """Log out: the session row is revoked, so the old cookie no longer works anywhere."""
    request.session.clear()
    handle = request.scope.get(SESSION_HANDLE)
    if isinstance(handle, SessionHandle):
        handle.end = True
        handle.user = None


def session_me(request: Request) -> dict[str, Any] | None:
    """Who is logged in, read from the database for this request (for navigation), or None."""
    handle = request.scope.get(SESSION_HANDLE)
    return handle.user if isinstance(handle, SessionHandle) else None


def session_user_id(request: Request) -> int | None:
    """The user id of the request's live server-side session, or None."""
    handle = request.scope.get(SESSION_HANDLE)
    if isinstance(handle, SessionHandle) and handle.user is not None:
        return handle.user_id
    return None


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


def page_actor(request: Request) -> Actor:
    """The logged-in user of a page, reloaded from the database (role and disabling apply at once)."""
    uid = session_user_id(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in SAFE_METHODS:
        target = request.headers.get("referer", "").split(str(request.base_url).rstrip("/"), 1)[-1] or "/"
    me = session_me(request)
    if not isinstance(uid, int) or me is None:
        raise LoginRequired(safe_next(target), expired=SEEN_COOKIE in request.cookies)
    # read from the database by the session middleware for this very request (role and disabling apply at once)
    return Actor(
        user_id=uid,
        username=str(me["username"]),
        role=Role(me["role"]),
        unit_id=int(me["unit_id"]),
        unit_path=str(me["unit_path"]),
    )


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
    """Lets the browser call the JSON API with its login session: sets request.state.web_user_id.

    Safe methods need only the session; unsafe ones also need the X-CSRF-Token header (no cross-site writes).
    The actor (and so the role) is then read from the database by the API's dependency. Must sit inside
    ServerSessionMiddleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            handle = scope.get(SESSION_HANDLE)
            session = scope.get("session") or {}
            if isinstance(handle, SessionHandle) and handle.user is not None and handle.user_id is not None:
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
                ok = scope["method"] in SAFE_METHODS or hmac.compare_digest(
                    str(session.get("csrf", "")), headers.get(CSRF_HEADER, "") or "-"
                )
                if ok:
                    scope.setdefault("state", {})["web_user_id"] = handle.user_id
        await self.app(scope, receive, send)


@dataclass
class SessionHandle:
    """What the session middleware knows of the request's session, and what the request asked of it."""

    session_id: str | None = None
    row_id: int | None = None
    user_id: int | None = None
    #: The logged-in user as read from the database this request (username, display name, role, unit).
    user: dict[str, Any] | None = None
    original: str = "{}"
    stale_cookie: bool = False
    start_user: int | None = None
    end: bool = False
    last_seen_at: datetime | None = None


class ServerSessionMiddleware:
    """Server-side sessions: the cookie carries only a random id (signed, so junk is refused without a query);
    the row holds the user, expiry, revocation and the data (CSRF token, flash). Replaces Starlette's
    cookie-stored sessions, whose contents a leaked key would let anyone forge."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        container: Any,
        secret_key: str,
        cookie: str,
        hours: int,
        https_only: bool = False,
    ) -> None:
        self.app = app
        self.container = container
        self.signer = Signer(secret_key, salt="gridloop.session")
        self.cookie = cookie
        self.hours = hours
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        handle = SessionHandle()
        raw = Request(scope).cookies.get(self.cookie)
        if raw:
            try:
                handle.session_id = self.signer.unsign(raw).decode()
            except (BadSignature, UnicodeDecodeError):
                handle.stale_cookie = True
        data: dict[str, Any] = {}
        if handle.session_id:
            data = await anyio.to_thread.run_sync(self._load, handle)
            if handle.row_id is None:
                handle.stale_cookie = True
        handle.original = json.dumps(data, sort_keys=True, ensure_ascii=False)
        scope["session"] = data
        scope[SESSION_HANDLE] = handle

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = None
                if self._must_persist(handle, scope["session"]):  # most requests (API calls) change nothing
                    cookie = await anyio.to_thread.run_sync(self._persist, handle, scope["session"])
                secure = self.https_only or scope.get("scheme") == "https"
                headers = MutableHeaders(scope=message)
                if cookie:
                    flags = f"path=/; Max-Age={self.hours * 3600}; httponly; samesite=lax"
                    headers.append("Set-Cookie", f"{self.cookie}={cookie}; {flags}{'; secure' if secure else ''}")
                elif handle.stale_cookie or handle.end:
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                        f"httponly; samesite=lax{'; secure' if secure else ''}",
                    )
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _now(self) -> datetime:
        now: datetime = self.container.deps.clock.now()
        return now

    def _load(self, handle: SessionHandle) -> dict[str, Any]:
        from gridloop.platform.org.services import sessions

        with self.container.uow() as uow:
            found = sessions.load(uow.session, handle.session_id or "", now=self._now())
            if found is None:
                return {}
            handle.row_id, handle.user_id, handle.last_seen_at = found.row_id, found.user_id, found.last_seen_at
            if found.user_id is not None:
                handle.user = org.session_user(uow.session, found.user_id)
            return found.data

    def _must_persist(self, handle: SessionHandle, data: dict[str, Any]) -> bool:
        """Whether the request changed its session, ended or began one, or the session is due to be touched."""
        if handle.end or handle.start_user is not None or handle.last_seen_at is not None:
            return True  # a live session: `_persist` decides (its touch interval reads the clock)
        return json.dumps(data, sort_keys=True, ensure_ascii=False) != handle.original

    def _persist(self, handle: SessionHandle, data: dict[str, Any]) -> str | None:
        """Write what the request changed; returns a new signed cookie value when a new session began."""
        from gridloop.platform.org.services import sessions

        now = self._now()
        changed = json.dumps(data, sort_keys=True, ensure_ascii=False) != handle.original
        touch = handle.last_seen_at is not None and now - handle.last_seen_at >= sessions.TOUCH_EVERY
        if not (changed or touch or handle.end or handle.start_user is not None):
            return None
        with self.container.deps.write_lock, self.container.uow() as uow:
            new_id = sessions.persist(
                uow,
                row_id=handle.row_id,
                data=data,
                changed=changed,
                end=handle.end,
                start_user=handle.start_user,
                now=now,
                hours=self.hours,
            )
        return self.signer.sign(new_id).decode() if new_id else None
