"""Login, logout, password change, language switch and the role's home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import InvalidInput, Unauthenticated
from gridloop.kernel.org import Role
from gridloop.org.services import org
from gridloop.platform.web.auth import (
    SEEN_COOKIE,
    CsrfFailed,
    PageActor,
    check_csrf,
    csrf_token,
    safe_next,
    session_me,
    start_session,
)
from gridloop.platform.web.deps import UowDep
from gridloop.platform.web.i18n import LANGS, t
from gridloop.platform.web.render import NAV, flash, lang_of, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(actor: PageActor) -> RedirectResponse:
    """The role's first page."""
    return RedirectResponse(NAV[actor.role][0][0], status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/", expired: int = 0) -> Response:
    """The login form."""
    if session_me(request) and not expired:
        return RedirectResponse(safe_next(next), status_code=303)
    csrf_token(request)
    notice = t("login.expired", lang_of(request)) if expired else None
    return render(request, "login.html", {"next": safe_next(next), "error": None, "notice": notice, "username": ""})


@router.post("/login")
def login(
    request: Request,
    uow: UowDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password and start a session."""
    lang = lang_of(request)
    ctx = {"next": safe_next(next), "username": username, "notice": None}
    try:
        check_csrf(request, csrf)
    except CsrfFailed:
        return render(request, "login.html", {**ctx, "error": t("csrf.failed", lang)}, status=400)
    try:
        actor = org.authenticate_password(uow.session, username=username.strip(), password=password)
    except Unauthenticated:
        return render(request, "login.html", {**ctx, "error": t("login.failed", lang)}, status=401)
    display = org.get_user(uow.session, actor.username).display_name
    start_session(request, actor, display)
    target = safe_next(next)
    if target == "/":
        target = NAV[Role(actor.role)][0][0]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SEEN_COOKIE, "1", max_age=30 * 86400, httponly=True, samesite="lax")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> RedirectResponse:
    """End the session."""
    check_csrf(request, csrf)
    request.session.clear()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SEEN_COOKIE)
    return response


@router.get("/password")
def password_form(request: Request, actor: PageActor) -> Response:
    """The password change form."""
    return render(request, "password.html", {"errors": {}})


@router.post("/password")
def password_change(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    old: Annotated[str, Form(max_length=200)] = "",
    new: Annotated[str, Form(max_length=200)] = "",
    repeat: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Change the caller's password; the session is renewed (new CSRF token)."""
    check_csrf(request, csrf)
    lang = lang_of(request)
    errors: dict[str, str] = {}
    if new != repeat:
        errors["repeat"] = t("password.mismatch", lang)
    elif len(new) < org.MIN_PASSWORD:
        errors["new"] = t("password.short", lang)
    if not errors:
        try:
            org.change_own_password(uow, actor, old=old, new=new)
        except InvalidInput:
            errors["old"] = t("password.wrong", lang)
    if errors:
        return render(request, "password.html", {"errors": errors}, status=422)
    me = session_me(request) or {}
    start_session(request, actor, str(me.get("display_name", actor.username)))
    flash(request, t("password.done", lang))
    return RedirectResponse(NAV[actor.role][0][0], status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> RedirectResponse:
    """Remember the chosen language in a cookie and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response
