"""The operator's 接线 intake form, its live suggestions, and the "answer directly" path."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gridloop.cases.domain.intake import strip_terminal_codes
from gridloop.cases.domain.lifecycle import Action, Channel, RequestType, Urgency
from gridloop.cases.domain.wording import in_chinese
from gridloop.cases.services import console
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.services.lifecycle import ActionRequest, act
from gridloop.kernel.errors import DomainError, Forbidden, InvalidInput
from gridloop.kernel.org import Actor, Permission
from gridloop.platform.org.services import admin
from gridloop.platform.web.auth import CSRF_HEADER, PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.i18n import field_message, t
from gridloop.platform.web.render import flash, has_route, lang_of, render

router = APIRouter(include_in_schema=False)

#: Service field names → form field names.
FIELD_ALIASES = {"reporter.phone": "reporter_phone", "reporter.name": "reporter_name", "lat": "lng"}


def _require_intake(actor: Actor) -> None:
    if not actor.can(Permission.CREATE_CASE):
        raise Forbidden(f"Role '{actor.role.value}' may not take calls.")


def _page(request: Request, uow: Any, values: dict[str, str], errors: dict[str, str], *, status: int = 200) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "categories": admin.list_categories(uow),
        "request_types": list(RequestType),
        "channels": list(Channel),
        "urgencies": list(Urgency),
        "idem": values.get("idem") or uuid.uuid4().hex,
        "geo": _has_geo(request),
        "tile_url": request.app.state.container.settings.map_tile_url,
    }
    return render(request, "intake.html", ctx, status=status)


def _has_geo(request: Request) -> bool:
    return has_route(request, "/api/v1/geo/district")


@router.get("/intake")
def intake_form(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """The empty form (a draft kept in the browser is restored by intake.js)."""
    _require_intake(actor)
    return _page(request, uow, {"channel": "phone", "request_type": "complaint"}, {})


def _float(raw: str, name: str, errors: dict[str, str], lang: str) -> float | None:
    if not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        errors[name] = "须为数字" if lang == "zh" else "must be a number"
        return None


@router.post("/intake")
def intake_submit(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    idem: Annotated[str, Form(max_length=64)] = "",
    mode: Annotated[str, Form()] = "create",
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    request_type: Annotated[str, Form()] = "complaint",
    channel: Annotated[str, Form()] = "phone",
    urgency: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    reporter_name: Annotated[str, Form()] = "",
    reporter_phone: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    area_code: Annotated[str, Form()] = "",
    lng: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    reply: Annotated[str, Form()] = "",
) -> Response:
    """Create the case through the intake service (and close it at once on the answer-directly path)."""
    check_csrf(request, csrf)
    _require_intake(actor)
    lang = lang_of(request)
    values = {
        "title": title,
        "text": text,
        "request_type": request_type,
        "channel": channel,
        "urgency": urgency,
        "category": category,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "address": address,
        "area_code": area_code,
        "lng": lng,
        "lat": lat,
        "reply": reply,
        "idem": idem,
    }
    errors: dict[str, str] = {}
    p_lng, p_lat = _float(lng, "lng", errors, lang), _float(lat, "lat", errors, lang)
    answering = mode == "answer"
    if answering and not reply.strip():
        errors["reply"] = t("intake.answer_hint", lang)
    if errors:
        return _page(request, uow, values, errors, status=422)
    data = NewCase(
        title=strip_terminal_codes(title).strip(),
        text=strip_terminal_codes(text),
        channel=channel,
        request_type=request_type,
        urgency=urgency or None,
        category=category or None,
        lng=p_lng,
        lat=p_lat,
        crs="wgs84" if p_lng is not None else None,
        address=strip_terminal_codes(address).strip() or None,
        area_code=area_code.strip() or None,
        reporter_name=reporter_name.strip() or None,
        reporter_phone=reporter_phone.strip() or None,
    )
    try:
        case, _created = receive(uow, actor, data, deps=deps, idempotency_key=f"web-{idem}" if idem else None)
    except InvalidInput as exc:
        for e in exc.errors:
            name = FIELD_ALIASES.get(e.field, e.field)
            errors.setdefault(name, field_message(e.message, lang))
        return _page(request, uow, values, errors, status=422)
    message = t("intake.created", lang, number=case.number)
    if answering:
        try:
            act(uow, actor, case.id, ActionRequest(action=Action.ANSWER_DIRECTLY.value, reply=reply), deps=deps)
            message = t("intake.closed", lang, number=case.number)
        except DomainError as exc:
            flash(request, f"{message} · {exc.detail}", kind="warn")
            return RedirectResponse(f"/intake?created={case.id}", status_code=303)
    request.session["flash"] = {"message": message, "kind": "ok", "errors": {}, "case_id": case.id}
    return RedirectResponse(f"/intake?created={case.id}", status_code=303)


class SuggestIn(BaseModel):
    """What the operator has typed so far."""

    title: str = Field(default="", max_length=400)
    text: str = Field(default="", max_length=20_000)
    address: str | None = Field(default=None, max_length=1000)
    lng: float | None = None
    lat: float | None = None


@router.post("/intake/suggest")
def intake_suggest(request: Request, body: SuggestIn, actor: PageActor, uow: UowDep, deps: DepsDep) -> JSONResponse:
    """Suggestions while typing: category and urgency (triage), area (locator), possible duplicates."""
    check_csrf(request, request.headers.get(CSRF_HEADER))
    _require_intake(actor)
    out = console.suggest(
        uow.session,
        actor,
        deps=deps,
        title=body.title,
        text=body.text,
        address=body.address,
        lng=body.lng,
        lat=body.lat,
    )
    triage = out.get("triage")
    if isinstance(triage, dict) and triage.get("urgency") in {u.value for u in Urgency}:
        triage["urgency_label"] = Urgency(triage["urgency"]).label(lang_of(request))
        if lang_of(request) == "zh" and triage.get("urgency_reason"):
            triage["urgency_reason"] = in_chinese(str(triage["urgency_reason"]))  # "涉及弱势群体：“孤寡老人”"
    return JSONResponse(out)
