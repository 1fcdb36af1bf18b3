"""Staff console pages for petitions (信访): only petitions the actor's unit handles; deadlines, 诉访分离 guidance
with its explanation, the coordination record with the political-legal units, and the lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import DomainError
from gridloop.petitions.console_text import translator
from gridloop.petitions.domain.model import Action, Status
from gridloop.petitions.services import petitions as svc
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of
from gridloop.platform.web.render import render as _render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=5000)]
#: The actions offered on the page (the lifecycle table decides which are allowed now).
ACTIONS = ("accept", "reject", "guide_legal", "extend", "answer", "request_review", "decide_review",
           "request_rereview", "decide_rereview", "close")  # fmt: skip
ZH = [
    ("not allowed", "当前状态下不能进行该操作"),
    ("may not", "当前状态下不能进行该操作"),
    ("reason", "请填写理由"),
    ("No unit", "没有该编码的单位"),
    ("extended", "办理期限只能延长一次"),
    ("not accepted again", "复核终结的事项，同一事实和理由不再受理"),
]


def render(request: Request, template: str, ctx: dict[str, Any]) -> Response:
    """A page with the petition labels."""
    return _render(request, template, {**ctx, "t": translator(lang_of(request))})


@router.get("/petitions")
def petitions_page(request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, status: str = "") -> Response:
    """Petitions the actor's unit handles, newest first, with their deadlines."""
    items = svc.list_petitions(uow.session, actor, status=status[:30] or None)
    overdue = {p["id"] for p in svc.overdue(uow.session, actor, now=deps.clock.now())}
    return render(request, "petitions/console_list.html", {"items": items, "overdue": overdue})


@router.get("/petitions/{petition_id}")
def petition_page(request: Request, petition_id: Id, actor: PageActor, uow: UowDep) -> Response:
    """One petition: facts, deadlines, 诉访分离 advice and why, history, coordination, actions."""
    p = svc.show(uow.session, actor, petition_id)
    lang = lang_of(request)
    for e in p["events"]:
        e["action_label"] = _label(Action, e["action"], lang)
        e["to_label"] = _label(Status, e["to"], lang)
    actions = [(a, Action(a).label(lang)) for a in ACTIONS]
    return render(request, "petitions/console_detail.html", {"p": p, "actions": actions})


def _label(kind: Any, value: str | None, lang: str) -> str:
    try:
        return str(kind(value).label(lang))
    except ValueError:
        return value or "—"


def _say(request: Request, exc: DomainError) -> str:
    detail = exc.errors[0].message if exc.errors else exc.detail
    if lang_of(request) == "zh":
        return next((zh for fragment, zh in ZH if fragment in detail), "操作未完成：" + detail)
    return detail


@router.post("/petitions/{petition_id}/act")
def act(
    request: Request, petition_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form()] = "", action: Short = "", text: Long = "", unit_code: Short = "",
) -> RedirectResponse:  # fmt: skip
    """Take one lifecycle action; a refusal comes back as a message."""
    check_csrf(request, csrf)
    now, tz = deps.clock.now(), deps.tz
    back = RedirectResponse(f"/petitions/{petition_id}", status_code=303)
    try:
        if action == "accept":
            svc.accept(uow, actor, petition_id, handling_unit_code=unit_code.strip(), note=text, now=now, tz=tz)
        elif action == "reject":
            svc.reject(uow, actor, petition_id, reason=text, now=now, tz=tz)
        elif action == "guide_legal":
            svc.guide_to_legal(uow, actor, petition_id, channel=None, note=text, now=now, tz=tz)
        elif action == "extend":
            svc.extend(uow, actor, petition_id, reason=text, now=now, tz=tz)
        elif action == "answer":
            svc.answer(uow, actor, petition_id, text=text, now=now, tz=tz)
        elif action in ("request_review", "request_rereview"):
            level = "review" if action == "request_review" else "rereview"
            svc.request_review(uow, actor, petition_id, unit_code=unit_code.strip(), level=level, now=now, tz=tz)
        elif action in ("decide_review", "decide_rereview"):
            level = "review" if action == "decide_review" else "rereview"
            svc.decide_review(uow, actor, petition_id, level=level, text=text, now=now, tz=tz)
        elif action == "close":
            svc.close(uow, actor, petition_id, note=text, now=now, tz=tz)
        else:
            flash(request, "请选择操作" if lang_of(request) == "zh" else "Choose an action", kind="error")
            return back
    except DomainError as exc:
        flash(request, _say(request, exc), kind="error")
        return back
    flash(request, "已办理" if lang_of(request) == "zh" else "Done")
    return back
