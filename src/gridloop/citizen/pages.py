"""The public reporting site (no login, Chinese first, phone first): /report, /track/<link>, /nearby; and the
staff's moderation page for what the public site shows."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile as StarletteUpload

from gridloop.cases.services.attachments import Upload
from gridloop.citizen.domain import Moderation, PublicStatus, is_private
from gridloop.citizen.services import reports
from gridloop.kernel.errors import DomainError, Forbidden
from gridloop.kernel.org import Role
from gridloop.platform.org.tables import CategoryRow
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, IdPath, SessionDep, UowDep, client_address
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)
DEVICE_COOKIE = "gl_device"
MODERATORS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def _secret(request: Request) -> bytes:
    return str(request.app.state.container.settings.secret_key).encode()


def _categories(session: Any) -> list[dict[str, Any]]:
    rows = session.scalars(select(CategoryRow).where(CategoryRow.active, CategoryRow.parent_code.is_(None)))
    return [
        {"code": c.code, "zh": c.name_zh, "en": c.name_en, "private": is_private(c.code, c.name_zh)}
        for c in sorted(rows, key=lambda c: c.code)
    ]


def _device(request: Request) -> str:
    return request.cookies.get(DEVICE_COOKIE) or ""


def _form_page(
    request: Request, session: Any, *, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    now = request.app.state.container.deps.clock.now()
    challenge = reports.new_challenge(_secret(request), now=now)
    response = render(
        request,
        "citizen_report.html",
        {
            "categories": _categories(session),
            "values": values,
            "errors": errors,
            "challenge": challenge,
            "tile_url": request.app.state.container.settings.map_tile_url,
        },
        status=status,
    )
    if not _device(request):
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=365 * 86400, httponly=True, samesite="lax"
        )
    return response


@router.get("/report")
def report_form(request: Request, session: SessionDep) -> Response:
    """The report form."""
    return _form_page(request, session, values={}, errors={})


def _float(raw: Any) -> float | None:
    try:
        value = float(str(raw))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@router.post("/report")
async def report_submit(request: Request, uow: UowDep, deps: DepsDep) -> Response:
    """Receive the report; show its number and tracking link, or the form again with each problem marked."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {
        k: str(form.get(k, ""))
        for k in ("text", "category", "address", "lng", "lat", "accuracy", "phone", "name", "anonymous")
    }
    data = reports.PublicForm(
        text=values["text"],
        category=values["category"],
        address=values["address"],
        lng=_float(values["lng"]) if values["lng"] else None,
        lat=_float(values["lat"]) if values["lat"] else None,
        phone=values["phone"],
        name=values["name"],
        anonymous=values["anonymous"] == "1",
        challenge=str(form.get("challenge", "")),
        nonce=str(form.get("nonce", "")),
    )
    photos = []
    for item in form.getlist("photos"):
        if isinstance(item, StarletteUpload) and item.filename:
            blob = await item.read(deps.attachments_max_bytes + 1)
            photos.append(Upload(data=blob, filename=item.filename, content_type=item.content_type, step="report"))
    data = replace(data, photos=tuple(photos))
    device = _device(request) or client_address(request)
    try:
        number, token, photo_problems = reports.submit(
            uow,
            data,
            deps=deps,
            secret=_secret(request),
            address=client_address(request),
            device=device,
            now=deps.clock.now(),
        )
    except reports.TooMany as exc:
        return render(request, "citizen_message.html", {"message": exc.detail}, status=429)
    except DomainError as exc:
        uow.rollback()
        errors = {e.field: e.message for e in exc.errors} or {"text": exc.detail}
        return _form_page(request, uow.session, values=values, errors=errors, status=422)
    link = str(request.url_for("track_page", token=token))
    context = {"number": number, "link": link, "photo_problems": photo_problems}
    return render(request, "citizen_receipt.html", context, status=201)


@router.get("/report/suggest")
def suggest(request: Request, session: SessionDep, deps: DepsDep, text: str = "") -> Response:
    """The category the text suggests (for the form as the resident types), or none."""
    text = text[:500]
    if deps.triage is None or len(text.strip()) < 6:
        return JSONResponse({"category": None})
    result = deps.triage.analyse(title="", text=text)
    row = session.get(CategoryRow, result.category) if result.category else None
    if row is None or result.confidence < 0.4:
        return JSONResponse({"category": None})
    return JSONResponse({"category": row.code, "zh": row.name_zh, "en": row.name_en})


@router.get("/track/{token}", name="track_page")
def track_page(request: Request, token: str, session: SessionDep) -> Response:
    """A report's public status, the unit's reply, and the confirm/dispute form."""
    view = reports.track(session, token[:64])
    return render(
        request, "citizen_track.html", {"r": view, "token": token, "errors": {}, "statuses": list(PublicStatus)}
    )


@router.post("/track/{token}/feedback")
async def track_feedback(request: Request, token: str, uow: UowDep, deps: DepsDep) -> Response:
    """The resident confirms or disputes the fix and rates the reply."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    raw_rating = str(form.get("rating", "")).strip()
    rating = int(raw_rating) if raw_rating.isdigit() and len(raw_rating) < 3 else (None if not raw_rating else 0)
    try:
        reports.give_feedback(
            uow, token[:64], verdict=str(form.get("verdict", "")), rating=rating, note=str(form.get("note", "")),
            deps=deps, now=deps.clock.now(),
        )  # fmt: skip
    except DomainError as exc:
        uow.rollback()
        errors = {e.field: e.message for e in exc.errors} or {"verdict": exc.detail}
        view = reports.track(uow.session, token[:64])
        context = {"r": view, "token": token, "errors": errors, "statuses": list(PublicStatus)}
        return render(request, "citizen_track.html", context, status=422)
    return RedirectResponse(f"/track/{token[:64]}", status_code=303)


def _photo_response(stored: Any) -> Response:
    return Response(
        stored.data,
        media_type=stored.media_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"},
    )


@router.get("/track/{token}/photos/{attachment_id}")
def own_photo(token: str, attachment_id: IdPath, session: SessionDep, deps: DepsDep) -> Response:
    """A photo of the resident's own report (by its tracking link)."""
    return _photo_response(reports.public_photo(session, attachment_id, deps=deps, token=token[:64]))


@router.get("/nearby/photos/{attachment_id}")
def public_photo(attachment_id: IdPath, session: SessionDep, deps: DepsDep) -> Response:
    """A photo of an approved public report (never of a private category)."""
    return _photo_response(reports.public_photo(session, attachment_id, deps=deps))


@router.get("/nearby")
def nearby(request: Request, session: SessionDep, district: str = "") -> Response:
    """Recent public reports in an area: moderated text, blurred points, never private categories."""
    district = district if district.isdigit() and len(district) == 6 else ""
    items = reports.nearby(session, district=district or None)
    points = [{"lng": i["lng"], "lat": i["lat"], "n": i["number"]} for i in items if i["lng"] is not None]
    return render(
        request,
        "citizen_nearby.html",
        {
            "items": items,
            "points": points,
            "district": district,
            "tile_url": request.app.state.container.settings.map_tile_url,
        },
    )


def _require_moderator(actor: Any) -> None:
    if actor.role not in MODERATORS:
        raise Forbidden(
            "公开内容审核由派单员、督办员和管理员负责 / Moderation is for dispatchers, supervisors and admins."
        )


@router.get("/moderation")
def moderation(request: Request, actor: PageActor, session: SessionDep) -> Response:
    """Public texts waiting for a moderator, and reports residents disputed."""
    _require_moderator(actor)
    queue = reports.moderation_queue(session)
    return render(
        request,
        "citizen_moderation.html",
        {
            "queue": queue,
            "photos": {r.case_id: reports.photos_of(session, r.case_id) for r in queue},
            "disputed": reports.disputed(session),
        },
    )


@router.post("/moderation/{report_id}")
async def moderate(request: Request, report_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """Approve (with the text as edited) or reject one report's public text."""
    _require_moderator(actor)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    decision = str(form.get("decision", ""))
    reports.moderate(
        uow,
        report_id,
        decision=decision,
        by=actor.username,
        text=str(form.get("text", "")) or None,
        now=deps.clock.now(),
    )
    done = Moderation.parse(decision)
    flash(request, f"{done.label(lang_of(request))}")
    return RedirectResponse("/moderation", status_code=303)
