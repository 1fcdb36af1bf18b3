"""Editors' console pages: expiry alerts, import (mapping, dry run) and export, the gaps report."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import Forbidden, InvalidInput
from gridloop.knowledge.pages.editor import page, quoted
from gridloop.knowledge.pages.text import message, translator
from gridloop.knowledge.services import assist, transfer
from gridloop.knowledge.services import editing as ed
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of

router = APIRouter(include_in_schema=False)
Col = Annotated[str, Form(max_length=200)]
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/kb/expiring")
def expiring_page(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> Response:
    """Published versions that stop being valid within `days` days."""
    ed.require_editor(actor)
    today = deps.clock.now().astimezone(deps.tz).date()
    rows = ed.expiring(uow.session, today=today, days=days)
    return page(request, "kb_expiring.html", {"rows": rows, "days": days, "quoted": quoted})


@router.post("/kb/expiring/alerts")
def send_alerts(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    days: Annotated[int, Form(ge=1, le=3650)] = 30,
) -> Response:
    """Queue the alerts to the owners through the outbox (each version once)."""
    check_csrf(request, csrf)
    ed.require_editor(actor)
    n = ed.send_expiry_alerts(uow, deps, days=days)
    flash(request, translator(lang_of(request))("kb.expiring.sent", n=n))
    return RedirectResponse(f"/kb/expiring?days={days}", status_code=303)


def _import_page(
    request: Request, values: dict[str, str], errors: dict[str, str], result: object = None, *, status: int = 200
) -> Response:
    ctx = {"values": values, "errors": errors, "result": result, "targets": list(transfer.TARGETS)}
    return page(request, "kb_import.html", ctx, status=status)


DEFAULT_MAPPING = {"format": "csv", "map_id": "id", "map_title": "title", "map_body": "body", "publish": ""}


@router.get("/kb/import")
def import_form(request: Request, actor: PageActor) -> Response:
    """Upload a CSV/JSONL file and name its columns."""
    ed.require_editor(actor)
    return _import_page(request, dict(DEFAULT_MAPPING), {})


@router.post("/kb/import")
async def import_submit(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form(max_length=100)] = "",
    format: Annotated[str, Form(max_length=10)] = "csv",
    mode: Annotated[str, Form(max_length=10)] = "dry",
    publish: Annotated[str, Form(max_length=5)] = "",
    map_id: Col = "",
    map_title: Col = "",
    map_body: Col = "",
    map_department: Col = "",
    map_citation: Col = "",
    map_effective_from: Col = "",
    map_expires_on: Col = "",
) -> Response:
    """Dry run: read with the mapping and list every bad row. Import: store the good rows (drafts by default)."""
    check_csrf(request, csrf)
    ed.require_editor(actor)
    if ed.editor_department(uow.session, actor) is not None:
        raise Forbidden("Only city-level KB editors and administrators import files.")
    lang = lang_of(request)
    values = {
        "format": format,
        "publish": publish,
        "map_id": map_id,
        "map_title": map_title,
        "map_body": map_body,
        "map_department": map_department,
        "map_citation": map_citation,
        "map_effective_from": map_effective_from,
        "map_expires_on": map_expires_on,
    }
    content = await file.read(MAX_UPLOAD + 1) if file is not None else b""
    if not content:
        return _import_page(request, values, {"file": message("required", lang)}, status=422)
    if len(content) > MAX_UPLOAD:
        return _import_page(request, values, {"file": "文件超过 20 MB" if lang == "zh" else "over 20 MB"}, status=422)
    mapping = {t: values[f"map_{t}"].strip() for t in transfer.TARGETS}
    try:
        parsed = transfer.parse_upload(content, fmt=format, mapping=mapping)
    except InvalidInput as exc:
        errors = {e.field: message(e.message, lang) for e in exc.errors} or {"file": exc.detail}
        return _import_page(request, values, errors, status=422)
    errors_shown = [(n, f, message(m, lang)) for n, f, m in parsed.errors[:200]]
    result = {
        "rows": parsed.rows,
        "ok": len(parsed.items),
        "bad": len(parsed.errors),
        "errors": errors_shown,
        "columns": parsed.columns,
        "preview": parsed.items[:5],
        "done": None,
    }
    if mode == "import" and parsed.items:
        name = re.sub(r"[^\w.\-]", "_", (file.filename if file else "") or "upload")
        report = transfer.run_import(
            parsed, uow=deps_uow(request), now=deps.clock.now(), publish=publish == "1", source=f"console:{name}"
        )
        result["done"] = report
    return _import_page(request, values, {}, result)


def deps_uow(request: Request):  # type: ignore[no-untyped-def]
    """The container's unit-of-work factory (the import service opens its own transaction)."""
    return request.app.state.container.uow


@router.get("/kb/export")
def export(actor: PageActor, uow: UowDep, format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "csv") -> Response:
    """Every article's newest version as CSV or JSONL."""
    ed.require_editor(actor)
    body = transfer.export_text(uow.session, fmt=format)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    prefix = "\ufeff" if format == "csv" else ""
    headers = {"Content-Disposition": f'attachment; filename="kb-articles.{format}"'}
    return Response((prefix + body).encode("utf-8"), media_type=f"{media}; charset=utf-8", headers=headers)


Week = Annotated[str, Query(max_length=10)]
Dept = Annotated[str, Query(max_length=200)]


def _week(raw: str) -> str | None:
    return raw if re.fullmatch(r"\d{4}-W\d{2}", raw) else None


@router.get("/kb/gaps")
def gaps_page(request: Request, actor: PageActor, uow: UowDep, week: Week = "", department: Dept = "") -> Response:
    """Top unanswered queries per week and department, for the KB owners."""
    ed.require_editor(actor)
    rows = assist.gap_report(uow.session, week=_week(week), department=department or None)
    weeks, departments = assist.gap_filters(uow.session)
    ctx = {"rows": rows, "weeks": weeks, "departments": departments, "f": {"week": week, "department": department}}
    return page(request, "kb_gaps.html", ctx)


@router.get("/kb/gaps.csv")
def gaps_csv(actor: PageActor, uow: UowDep, week: Week = "", department: Dept = "") -> Response:
    """The report as CSV."""
    ed.require_editor(actor)
    rows = assist.gap_report(uow.session, week=_week(week), department=department or None, limit=10_000)
    headers = {"Content-Disposition": 'attachment; filename="kb-gaps.csv"'}
    return Response(
        ("\ufeff" + assist.gap_csv(rows)).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers
    )
