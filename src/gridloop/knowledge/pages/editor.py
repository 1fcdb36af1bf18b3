"""Editors' console pages: the article list, new/edit (a new draft version), workflow buttons, history, diff."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import Conflict, InvalidInput
from gridloop.knowledge.domain.articles import Status
from gridloop.knowledge.domain.editing import ACTION_LABELS, Draft
from gridloop.knowledge.pages.text import message, translator
from gridloop.knowledge.services import editing as ed
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=500)]
Long = Annotated[str, Form(max_length=60_000)]
DRAFT_FIELDS = ("source_id", "title", "body", "department", "citation", "source", "effective_from", "expires_on")


def page(request: Request, template: str, ctx: dict[str, Any], *, status: int = 200) -> Response:
    """Render a knowledge page with its translator and labels."""
    lang = lang_of(request)
    labels = {
        "status": {s.value: ed.status_label(s.value, lang) for s in Status},
        "action": {a.value: p[0 if lang == "zh" else 1] for a, p in ACTION_LABELS.items()},
    }
    return render(request, template, {**ctx, "t": translator(lang), "kb": labels}, status=status)


def quoted(source_id: str) -> str:
    """The article's URL path segment."""
    from urllib.parse import quote

    return quote(source_id, safe="")


@router.get("/kb")
def home() -> RedirectResponse:
    """The knowledge pages start at the article list."""
    return RedirectResponse("/kb/articles", status_code=303)


@router.get("/kb/articles")
def articles_page(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    department: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    valid_on: Annotated[str, Query(max_length=10)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """Articles with filters: department, status of the newest version, valid on a date, id or title."""
    ed.require_editor(actor)
    errors: dict[str, str] = {}
    day = None
    if valid_on:
        try:
            day = date.fromisoformat(valid_on)
        except ValueError:
            errors["valid_on"] = message("not a date (YYYY-MM-DD)", lang_of(request))
    if status and status not in {s.value for s in Status}:
        status = ""
    f = ed.ArticleFilter(department=department or None, status=status or None, valid_on=day, text=q or None)
    rows, total = ed.list_articles(uow.session, f, page=page_no)
    ctx = {
        "rows": rows,
        "total": total,
        "page_no": page_no,
        "per_page": ed.PER_PAGE,
        "errors": errors,
        "f": {"department": department, "status": status, "valid_on": valid_on, "q": q},
        "today": deps.clock.now().astimezone(deps.tz).date(),
        "departments": ed.departments(uow.session),
        "statuses": [s.value for s in Status],
        "quoted": quoted,
    }
    return page(request, "kb_articles.html", ctx, status=422 if errors else 200)


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str], *, new: bool, status: int = 200
) -> Response:
    return page(
        request, "kb_edit.html", {"values": values, "errors": errors, "new": new, "quoted": quoted}, status=status
    )


@router.get("/kb/articles/new")
def new_form(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """An empty article form (the department is fixed for a department's editor)."""
    mine = ed.editor_department(uow.session, actor)
    return _form(request, {k: "" for k in DRAFT_FIELDS} | {"department": mine or ""}, {}, new=True)


@router.get("/kb/articles/{source_id}/edit")
def edit_form(request: Request, source_id: str, actor: PageActor, uow: UowDep) -> Response:
    """The form filled with the newest version; saving adds a new draft version."""
    ed.require_editor(actor)
    a = ed.article_detail(uow.session, source_id)
    v = a["versions"][0] if a["versions"] else {}
    values = {
        "source_id": a["source_id"],
        "title": v.get("title", ""),
        "body": v.get("body", ""),
        "department": a["department"],
        "citation": a["citation"],
        "source": a["source"],
        "effective_from": v["effective_from"].isoformat() if v.get("effective_from") else "",
        "expires_on": v["expires_on"].isoformat() if v.get("expires_on") else "",
    }
    return _form(request, values, {}, new=False)


def _save(request: Request, actor: Any, uow: Any, deps: Any, values: dict[str, str], *, new: bool) -> Response:
    try:
        number = ed.save_draft(uow, actor, Draft(**values), now=deps.clock.now(), new=new)
    except InvalidInput as exc:
        uow.rollback()
        lang = lang_of(request)
        errors = {e.field: message(e.message, lang) for e in exc.errors} or {"title": exc.detail}
        return _form(request, values, errors, new=new, status=422)
    flash(request, translator(lang_of(request))("kb.saved", n=number))
    return RedirectResponse(f"/kb/articles/{quoted(values['source_id'].strip())}", status_code=303)


@router.post("/kb/articles/new")
def create(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Short = "",
    source_id: Short = "",
    title: Short = "",
    body: Long = "",
    department: Short = "",
    citation: Short = "",
    source: Short = "",
    effective_from: Short = "",
    expires_on: Short = "",
) -> Response:
    """Create an article with its first (draft) version."""
    check_csrf(request, csrf)
    ed.require_editor(actor)
    values = {
        "source_id": source_id,
        "title": title,
        "body": body,
        "department": department,
        "citation": citation,
        "source": source,
        "effective_from": effective_from,
        "expires_on": expires_on,
    }
    return _save(request, actor, uow, deps, values, new=True)


@router.post("/kb/articles/{source_id}/edit")
def update(
    request: Request,
    source_id: str,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Short = "",
    title: Short = "",
    body: Long = "",
    department: Short = "",
    citation: Short = "",
    source: Short = "",
    effective_from: Short = "",
    expires_on: Short = "",
) -> Response:
    """Save the edited text as the next draft version."""
    check_csrf(request, csrf)
    ed.require_editor(actor)
    values = {
        "source_id": source_id,
        "title": title,
        "body": body,
        "department": department,
        "citation": citation,
        "source": source,
        "effective_from": effective_from,
        "expires_on": expires_on,
    }
    return _save(request, actor, uow, deps, values, new=False)


@router.get("/kb/articles/{source_id}")
def article_page(request: Request, source_id: str, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """The article, its versions (newest first) with the workflow's buttons, and links to each diff."""
    ed.require_editor(actor)
    a = ed.article_detail(uow.session, source_id)
    today = deps.clock.now().astimezone(deps.tz).date()
    from gridloop.knowledge.services.assist import cards_for

    card = cards_for(uow.session, [source_id], today=today).get(source_id)
    ctx = {"a": a, "current": card.version if card else None, "quoted": quoted}
    return page(request, "kb_article.html", ctx)


@router.post("/kb/articles/{source_id}/act")
def act(
    request: Request,
    source_id: str,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Short = "",
    action: Annotated[str, Form(max_length=20)] = "",
    number: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
) -> Response:
    """One workflow button: the transition table decides; a refused move is shown as a message."""
    check_csrf(request, csrf)
    ed.require_editor(actor)
    t = translator(lang_of(request))
    try:
        status = ed.transition(uow, actor, source_id, action=action, number=number, now=deps.clock.now())
    except (InvalidInput, Conflict) as exc:
        uow.rollback()
        flash(request, exc.detail, kind="error")
    else:
        flash(request, t("kb.moved", n=number, status=ed.status_label(status.value, lang_of(request))))
    return RedirectResponse(f"/kb/articles/{quoted(source_id)}", status_code=303)


@router.get("/kb/articles/{source_id}/diff")
def diff_page(
    request: Request,
    source_id: str,
    actor: PageActor,
    uow: UowDep,
    old: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    new: Annotated[int, Query(ge=1, le=1_000_000)] = 2,
) -> Response:
    """What changed between two versions (title and body, line by line)."""
    ed.require_editor(actor)
    d = ed.version_diff(uow.session, source_id, old=old, new=new)
    return page(request, "kb_diff.html", {"d": d, "source_id": source_id, "quoted": quoted})
