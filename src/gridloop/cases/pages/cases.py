"""Case list (filter, sort, page, CSV export), the case page, and lifecycle actions as small forms."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from gridloop.cases.domain.attachments import AttachmentStep
from gridloop.cases.domain.lifecycle import ACTIONS, Action, Field, Satisfaction, Status
from gridloop.cases.pages import export
from gridloop.cases.pages.attachments import files_context, store_uploads
from gridloop.cases.services import console, coordination, naming, paging, queries
from gridloop.cases.services.lifecycle import ActionRequest, act
from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput
from gridloop.kernel.org import Permission, Role
from gridloop.platform.org.services import admin
from gridloop.platform.web.auth import PageActor, check_csrf, safe_next
from gridloop.platform.web.deps import DepsDep, IdPath, UowDep
from gridloop.platform.web.i18n import field_message, t
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)

PER_PAGE_CHOICES = (20, 50, 100, 200)
SORTS = ("-received_at", "received_at", "due_at", "-due_at", "number", "-updated_at")


def _tri(raw: str | None) -> bool | None:
    return {"1": True, "0": False}.get(raw or "")


def _filters(request: Request) -> tuple[queries.CaseFilter, dict[str, Any]]:
    q = request.query_params
    statuses = [s for s in q.getlist("status") if s]
    one = {k: q.get(k, "") for k in ("district", "category", "overdue", "supervised")}
    text = q.get("text", "")[:200]
    f = queries.CaseFilter(
        status=statuses or None,
        district=one["district"] or None,
        category=one["category"] or None,
        overdue=_tri(one["overdue"]),
        supervised=_tri(one["supervised"]),
        text=text.strip() or None,
    )
    return f, {**one, "status": statuses, "text": text}


def _int(raw: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(raw or default), lo), hi)
    except ValueError:
        return default


@router.get("/cases")
def case_list(request: Request, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """A page of the cases in the caller's scope."""
    f, form = _filters(request)
    q = request.query_params
    page = _int(q.get("page"), 1, 1, 1_000_000)
    per_page = _int(q.get("per_page"), 50, 1, queries.MAX_PAGE_SIZE)
    sort = q.get("sort") or "-received_at"
    sort = sort if sort in SORTS else "-received_at"
    now = deps.clock.now()
    cap = queries.TOTAL_CAP
    # the pager's links carry the position of the row next to the page (after= / before=, docs/console.md), so a
    # deep page reads like the first; a bare page number still works (OFFSET), slower deep in a large scope
    seek = paging.parse(q.get("after"), sort) or paging.parse(q.get("before"), sort, backward=True)
    rows, total = queries.list_cases(
        uow.session, actor, f, now=now, page=page, per_page=per_page, sort=sort, total_cap=cap, seek=seek
    )
    if seek is not None and seek.backward and len(rows) < per_page and page > 1:
        page = 1  # rows were added or left while paging back: this is the list's start
    units = queries.unit_codes(uow.session, rows)
    items = [queries.case_to_dict(c, actor, units=units, now=now, full=False) for c in rows]
    keep = [(k, v) for k, v in q.multi_items() if k not in ("page", "after", "before") and v]
    pager = {
        "next": urlencode([*keep, ("page", page + 1), ("after", paging.token(rows[-1], sort))])
        if rows
        else urlencode([*keep, ("page", page + 1)]),
        "prev": urlencode([*keep, ("page", page - 1), ("before", paging.token(rows[0], sort))])
        if rows and page > 2
        else urlencode([*keep, ("page", 1)]),
    }
    ctx = {
        "items": items,
        "total": min(total or 0, cap),
        "total_capped": queries.is_capped(total, cap),
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "sorts": SORTS,
        "per_page_choices": PER_PAGE_CHOICES,
        "form": form,
        "statuses": list(Status),
        "districts": admin.list_units(uow, kind="area", level="district"),
        "categories": admin.list_categories(uow),
        "query_keep": urlencode(keep),
        "pager": pager,
        "query_all": urlencode([(k, v) for k, v in q.multi_items() if v]),
        # a capped total: the pager offers the next page while this one is full (no last page number)
        "pages": max(1, -(-min(total or 0, cap) // per_page)),
        "more": queries.is_capped(total, cap) and len(rows) == per_page,
        "can_export": actor.can(Permission.EXPORT),
        "now": now,
    }
    return render(request, "cases.html", ctx)


@router.get("/cases.csv")
def case_csv(request: Request, actor: PageActor, deps: DepsDep) -> StreamingResponse:
    """Every case matching the filters, as CSV (UTF-8 with BOM so spreadsheet programs read Chinese), with labels,
    area names and local times (the API keeps codes)."""
    if not actor.can(Permission.EXPORT):
        raise Forbidden(f"Role '{actor.role.value}' may not export cases.")
    f = filters_of(request)
    lang = lang_of(request)
    container = request.app.state.container
    now = deps.clock.now()

    def lines(rows: list[list[Any]]) -> str:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue()

    def rows() -> Iterator[str]:
        yield "\ufeff" + lines([export.headers(lang)])
        with container.uow() as uow:
            for batch in export.batches(uow.session, actor, f, now=now):
                yield lines(export.labelled_rows(uow.session, batch, actor, now=now, lang=lang, tz=deps.tz))

    stamp = now.astimezone(deps.tz).strftime("%Y%m%d%H%M")
    headers = {"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'}
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/cases.xlsx")
def case_xlsx(request: Request, actor: PageActor, deps: DepsDep) -> StreamingResponse:
    """Every case matching the filters as an Excel workbook (Chinese headers, labels, area names, local times)."""
    if not actor.can(Permission.EXPORT):
        raise Forbidden(f"Role '{actor.role.value}' may not export cases.")
    f, lang, now = filters_of(request), lang_of(request), deps.clock.now()
    with request.app.state.container.uow() as uow:
        rows = (
            row
            for batch in export.batches(uow.session, actor, f, now=now)
            for row in export.labelled_rows(uow.session, batch, actor, now=now, lang=lang, tz=deps.tz)
        )
        body = export.xlsx_bytes(export.headers(lang), rows)
    stamp = now.astimezone(deps.tz).strftime("%Y%m%d%H%M")
    disposition = {"Content-Disposition": f'attachment; filename="cases-{stamp}.xlsx"'}
    return StreamingResponse(iter([body]), media_type=export.XLSX_TYPE, headers=disposition)


def filters_of(request: Request) -> queries.CaseFilter:
    """The case list's filters from the query string (the list, CSV and Excel share them)."""
    return _filters(request)[0]


def action_forms(actions: list[str]) -> list[dict[str, Any]]:
    """Each allowed action with the inputs its form needs."""
    forms = []
    for raw in actions:
        action = Action(raw)
        fields = [f.value for f in ACTIONS[action].requires]
        if action in (Action.DISPATCH, Action.REDISPATCH, Action.UPHOLD_RETURN):
            fields.append("co_units")
        style = "danger" if action in DANGER else "primary" if action in FORWARD else "secondary"
        forms.append({"action": action.value, "fields": fields, "colour": action.colour, "style": style,
                      "confirm": action in CONFIRM})  # fmt: skip
    return forms


#: How an action's button looks: the step forward (primary), a step that undoes or ends (danger), the rest (secondary).
FORWARD = frozenset({
    Action.DISPATCH, Action.SIGN, Action.FIRST_CONTACT, Action.REPLY, Action.APPROVE_REPLY, Action.CALLBACK,
    Action.COORDINATE, Action.CO_REPLY, Action.UPHOLD_RETURN, Action.ANSWER_DIRECTLY, Action.APPROVE_EXTENSION,
    Action.RESUME,
})  # fmt: skip
DANGER = frozenset({Action.CANCEL, Action.RETURN, Action.CLOSE, Action.SEND_BACK, Action.REJECT_RETURN,
                    Action.REJECT_EXTENSION, Action.MERGE})  # fmt: skip
#: Who records callbacks.
DESK = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN})
#: Actions that cannot be taken back ask first (作废, 退单, 结案).
CONFIRM = frozenset({Action.CANCEL, Action.RETURN, Action.CLOSE})


@router.get("/cases/{case_id}/print")
def work_order(request: Request, case_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """The printable work order (派单单) of a case: one A4 page, personal data masked per role as on the case page."""
    case = queries.get_case(uow.session, actor, case_id)
    now = deps.clock.now()
    data = queries.case_to_dict(case, actor, units=queries.unit_codes(uow.session, [case]), now=now)
    notes = [e.note for e in queries.timeline(uow.session, actor, case_id) if e.action in ("dispatch", "redispatch")]
    teller = naming.reason_teller(uow.session, [*notes, case.district_code, case.street_code], lang=lang_of(request))
    area = " ".join(teller(c) for c in (case.district_code, case.street_code) if c)
    ctx = {"case": data, "now": now, "dispatch_note": teller(notes[-1]) if notes else "", "area": area}
    return render(request, "work_order.html", ctx)


@router.post("/cases/{case_id}/child-callback")
def child_callback(
    request: Request, case_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "", satisfaction: Annotated[str, Form(max_length=32)] = "",
    solved: Annotated[str, Form(max_length=4)] = "",
) -> RedirectResponse:  # fmt: skip
    """Record the callback of a merged duplicate's own reporter (docs/supervision.md), from its case page."""
    check_csrf(request, csrf)
    lang = lang_of(request)
    queries.get_case(uow.session, actor, case_id)  # scope: a hidden case answers like a missing one
    try:
        coordination.record_child_callback(uow, actor, case_id, satisfaction=satisfaction, solved=_tri(solved) is True,
                                           now=deps.clock.now())  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        flash(request, field_message(exc.detail, lang), kind="error")
        return RedirectResponse(f"/cases/{case_id}#child-callback", status_code=303)
    flash(request, t("case.done", lang, action=Action.CALLBACK.label(lang)))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """All fields of a case (masked per role), its timeline, linked cases, map, and the actions allowed now."""
    case = queries.get_case(uow.session, actor, case_id)
    now = deps.clock.now()
    data = queries.case_to_dict(case, actor, units=queries.unit_codes(uow.session, [case]), now=now)
    events = [queries.event_to_dict(e) for e in queries.timeline(uow.session, actor, case_id)]
    ctx = {
        "case": data,
        "events": events,
        "forms": action_forms(data["allowed_actions"]),
        "linked": console.linked_cases(uow.session, actor, case),
        "targets": console.dispatch_targets(uow.session) if data["allowed_actions"] else [],
        "satisfactions": list(Satisfaction),
        "field_labels": {f.value: f for f in Field},
        "now": now,
        **console.dispatch_suggestion(case),
        "tile_url": request.app.state.container.settings.map_tile_url,
        **files_context(uow.session, actor, case_id, lang_of(request)),
        "child_callback": coordination.callback_pending(case) and actor.role in DESK,
        "pending_children": {d.id for d in console.linked_cases(uow.session, actor, case)["duplicates"]
                             if coordination.callback_pending(d)},
    }  # fmt: skip
    units = [e["payload"].get("lead_unit") or e["payload"].get("unit") or "" for e in events]
    ctx["reason"] = naming.reason_teller(
        uow.session, [case.suggest_reason, case.urgency_reason, *units, *(e["note"] for e in events)],
        lang=lang_of(request),
    )  # fmt: skip
    return render(request, "case.html", ctx)


@router.post("/cases/{case_id}/act")
def case_act(
    request: Request,
    case_id: IdPath,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    action: Annotated[str, Form(max_length=32)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    co_units: Annotated[str, Form(max_length=500)] = "",
    reply: Annotated[str, Form(max_length=5000)] = "",
    satisfaction: Annotated[str, Form(max_length=32)] = "",
    solved: Annotated[str, Form(max_length=4)] = "",
    parent: Annotated[str, Form(max_length=32)] = "",
    days: Annotated[str, Form(max_length=4)] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    """Take one lifecycle action through the lifecycle service, then go back (errors shown by the form)."""
    check_csrf(request, csrf)
    lang = lang_of(request)
    back = safe_next(next, f"/cases/{case_id}")
    req = ActionRequest(
        action=action,
        reason=reason.strip() or None,
        note=note.strip() or None,
        unit=unit.strip().split(" ", 1)[0] or None,
        co_units=[c.strip() for c in co_units.replace("，", ",").split(",") if c.strip()],
        reply=reply.strip() or None,
        satisfaction=satisfaction or None,
        solved=_tri(solved),
        parent=parent.strip() or None,
        days=int(days) if days.strip().isdigit() else None,
    )
    try:
        act(uow, actor, case_id, req, deps=deps)
    except (InvalidInput, Conflict) as exc:
        errors = {f"{action}.{e.field}": field_message(e.message, lang) for e in exc.errors}
        message = t("common.errors", lang) if errors else exc.detail
        if isinstance(exc, Conflict):
            message = f"{t('error.409', lang)} {exc.detail}"
        flash(request, message, kind="error", errors=errors)
        # the form comes back with what was typed, the wrong field marked (not an empty form)
        typed = {"unit": unit, "co_units": co_units, "reason": reason, "note": note, "reply": reply, "parent": parent,
                 "days": days, "satisfaction": satisfaction, "solved": solved}  # fmt: skip
        request.session["flash"]["values"] = {"action": action, "case_id": case_id, **typed}
        return RedirectResponse(f"{back}#act-{action}", status_code=303)
    try:
        label = Action(action).label(lang)
    except ValueError:
        label = action
    flash(request, t("case.done", lang, action=label))
    if photos:  # photos of the work, attached after the action succeeded (a refusal is flashed instead)
        step = AttachmentStep.AFTER if action == Action.RESOLVE_ON_SPOT.value else AttachmentStep.REPLY
        store_uploads(request, uow, actor, case_id, photos, step=step.value, deps=deps)
    return RedirectResponse(back, status_code=303)
