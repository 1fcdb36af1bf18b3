"""The intake form's "answer directly from the knowledge base" path (the form posts here with the cited version).

The intake form itself belongs to the case loop; the knowledge partial (kb_suggest.html + kb_suggest.js) adds the
suggestions, the article card and the buttons, and its "answer directly" button posts the whole form here. On bad
input the intake form is shown again with the fields marked.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import UndefinedError

from gridloop.cases.services import Channel, RequestType, Urgency
from gridloop.cases.services.intake import NewCase
from gridloop.kernel.errors import Conflict, InvalidInput, NotFound
from gridloop.knowledge.services.assist import answer_directly
from gridloop.platform.org.services import admin
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.i18n import field_message
from gridloop.platform.web.render import flash, has_route, lang_of, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("gridloop.knowledge")
FIELDS = (
    "title",
    "text",
    "request_type",
    "channel",
    "urgency",
    "category",
    "reporter_name",
    "reporter_phone",
    "address",
    "area_code",
    "lng",
    "lat",
    "reply",
    "idem",
    "kb_source_id",
    "kb_version",
)
ALIASES = {"reporter.phone": "reporter_phone", "reporter.name": "reporter_name", "lat": "lng"}
Short = Annotated[str, Form(max_length=1000)]


def _intake_page(request: Request, uow: UowDep, values: dict[str, str], errors: dict[str, str]) -> Response:
    ctx = {
        "values": values,
        "errors": errors,
        "categories": admin.list_categories(uow),
        "request_types": list(RequestType),
        "channels": list(Channel),
        "urgencies": list(Urgency),
        "idem": values.get("idem") or uuid.uuid4().hex,
        "geo": has_route(request, "/api/v1/geo/district"),
        "tile_url": request.app.state.container.settings.map_tile_url,
    }
    try:
        return render(request, "intake.html", ctx, status=422)
    except UndefinedError:  # the case loop's form gained a context value: fall back to its own page
        log.warning("intake.html needs context the knowledge page does not give; redirecting to /intake")
        flash(request, "；".join(errors.values()), kind="error", errors=errors)
        return RedirectResponse("/intake", status_code=303)


def _float(raw: str) -> float | None:
    try:
        return float(raw) if raw.strip() else None
    except ValueError:
        return None


@router.post("/kb/intake/answer")
def answer_from_article(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    idem: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=400)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    request_type: Short = "inquiry",
    channel: Short = "phone",
    urgency: Short = "",
    category: Short = "",
    reporter_name: Short = "",
    reporter_phone: Short = "",
    address: Short = "",
    area_code: Short = "",
    lng: Short = "",
    lat: Short = "",
    reply: Annotated[str, Form(max_length=20_000)] = "",
    kb_source_id: Short = "",
    kb_version: Short = "",
) -> Response:
    """Receive the inquiry and close it at once, recording the cited article version on the case."""
    check_csrf(request, csrf)
    lang = lang_of(request)
    zh = lang == "zh"
    values = {k: v for k, v in locals().items() if k in FIELDS and isinstance(v, str)}
    errors: dict[str, str] = {}
    version = int(kb_version) if kb_version.isdigit() and len(kb_version) < 9 else 0
    if not kb_source_id or version < 1:
        errors["reply"] = "请先在知识库建议中选择一篇文章" if zh else "Choose an article among the suggestions first"
    if not text.strip():
        errors["text"] = "必填" if zh else "required"
    if errors:
        return _intake_page(request, uow, values, errors)
    data = NewCase(
        title=title.strip(),
        text=text,
        channel=channel,
        request_type=RequestType.INQUIRY.value,
        urgency=urgency or None,
        category=category or None,
        lng=_float(lng),
        lat=_float(lat),
        crs="wgs84" if _float(lng) is not None else None,
        address=address.strip() or None,
        area_code=area_code.strip() or None,
        reporter_name=reporter_name.strip() or None,
        reporter_phone=reporter_phone.strip() or None,
    )
    try:
        case_id, number = answer_directly(
            uow,
            actor,
            data,
            source_id=kb_source_id,
            version=version,
            reply=reply,
            deps=deps,
            idempotency_key=f"web-kb-{idem}" if idem else None,
        )
    except InvalidInput as exc:
        uow.rollback()
        for e in exc.errors:
            errors.setdefault(ALIASES.get(e.field, e.field), field_message(e.message, lang))
        errors = errors or {"reply": exc.detail}
        return _intake_page(request, uow, values, errors)
    except (Conflict, NotFound) as exc:
        uow.rollback()
        stale = "所选文章版本已变更或失效，请重新选择" if zh else "The article changed or expired; choose it again"
        return _intake_page(request, uow, values, {"reply": f"{stale}（{exc.detail}）"})
    message = (
        f"工单 {number} 已依据知识库直接答复并办结（{kb_source_id} 第 {version} 版）"
        if zh
        else f"Case {number} answered directly from the knowledge base and closed ({kb_source_id} v{version})"
    )
    request.session["flash"] = {"message": message, "kind": "ok", "errors": {}, "case_id": case_id}
    return RedirectResponse(f"/intake?created={case_id}", status_code=303)
