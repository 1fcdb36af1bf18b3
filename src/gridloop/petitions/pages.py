"""Staff console pages for petitions (信访): only petitions the actor's unit handles; deadlines, 诉访分离 guidance
with its explanation, the coordination record with the political-legal units, and the lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import DomainError
from gridloop.petitions.console_text import translator
from gridloop.petitions.domain.model import Action, LegalUnit, PetitionChannel, PetitionClass, Status
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


#: Coordination steps in the history (not lifecycle actions): their Chinese names.
COORD_STEPS = {
    "coord_transfer": ("移交政法单位", "Transferred"),
    "coord_acknowledge": ("政法单位签收", "Acknowledged"),
    "coord_result": ("政法单位办理结果", "Result"),
    "coord_feedback": ("反馈信访人", "Fed back"),
}
FIELD_ZH = {
    "petitioner_name": "请填写信访人姓名", "subject": "请填写事由", "facts": "请填写事实与理由",
    "petition_class": "请选择类别", "channel": "请选择来源渠道", "petitioner_phone": "电话号码无效",
    "petitioner_id_number": "身份证号码无效",
}  # fmt: skip


def _register_page(request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    lang = lang_of(request)
    ctx = {"values": values, "errors": errors,
           "classes": [(c.value, c.label(lang)) for c in PetitionClass],
           "channels": [(c.value, c.label(lang)) for c in PetitionChannel]}  # fmt: skip
    return _render(request, "petitions/console_register.html", {**ctx, "t": translator(lang)}, status=status)


@router.get("/petitions/new")
def register_page(request: Request, actor: PageActor) -> Response:
    """The petition office's register form."""
    return _register_page(request, {"petition_class": "claim", "channel": "visit"}, {})


@router.post("/petitions/new")
def register(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, csrf: Annotated[str, Form()] = "",
    petition_class: Short = "", channel: Short = "", petitioner_name: Short = "", petitioner_phone: Short = "",
    petitioner_id_number: Short = "", subject: Short = "", facts: Long = "", request_text: Long = "",
    respondent: Short = "",
) -> Response:  # fmt: skip
    """Register a petition (诉访分离 advice and the repeat link are worked out); problems come back marked."""
    check_csrf(request, csrf)
    values = {"petition_class": petition_class, "channel": channel, "petitioner_name": petitioner_name,
              "petitioner_phone": petitioner_phone, "petitioner_id_number": petitioner_id_number,
              "subject": subject, "facts": facts, "request_text": request_text, "respondent": respondent}  # fmt: skip
    data = svc.PetitionIn(
        petition_class=petition_class, channel=channel, petitioner_name=petitioner_name, subject=subject,
        facts=facts, petitioner_phone=petitioner_phone, petitioner_id_number=petitioner_id_number,
        request=request_text, respondent=respondent,
    )  # fmt: skip
    try:
        made = svc.register(uow, actor, data, now=deps.clock.now(), tz=deps.tz)
    except DomainError as exc:
        zh = lang_of(request) == "zh"
        errors = {e.field: FIELD_ZH.get(e.field, "请检查") if zh else e.message for e in exc.errors}
        return _register_page(request, values, errors or {"subject": _say(request, exc)}, status=422)
    flash(request, "已登记" if lang_of(request) == "zh" else "Registered")
    return RedirectResponse(f"/petitions/{made['id']}", status_code=303)


@router.get("/petitions/{petition_id}")
def petition_page(request: Request, petition_id: Id, actor: PageActor, uow: UowDep) -> Response:
    """One petition: facts, deadlines, 诉访分离 advice and why, history, coordination, actions."""
    p = svc.show(uow.session, actor, petition_id)
    lang = lang_of(request)
    for e in p["events"]:
        coord = COORD_STEPS.get(e["action"])
        e["action_label"] = (coord[0] if lang == "zh" else coord[1]) if coord else _label(Action, e["action"], lang)
        e["to_label"] = _label(Status, e["to"], lang)
    actions = [(a, Action(a).label(lang)) for a in ACTIONS]
    legal_units = [(u.value, u.label(lang)) for u in LegalUnit]
    return render(request, "petitions/console_detail.html", {"p": p, "actions": actions, "legal_units": legal_units})


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


@router.post("/petitions/{petition_id}/coordination")
def coordinate(
    request: Request, petition_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form()] = "", step: Short = "", coordination_id: Short = "", legal_unit: Short = "",
    unit_code: Short = "", text: Long = "",
) -> RedirectResponse:  # fmt: skip
    """Transfer to a political-legal unit, or take the next step of a record (acknowledge, result, feedback)."""
    from gridloop.petitions.services import coordination

    check_csrf(request, csrf)
    now, tz = deps.clock.now(), deps.tz
    try:
        if step == "transfer":
            coordination.transfer(uow, actor, petition_id, legal_unit=legal_unit, unit_code=unit_code.strip(),
                                  note=text, now=now, tz=tz)  # fmt: skip
        elif step in ("acknowledge", "result", "feedback") and coordination_id.isdigit():
            coordination.step(uow, actor, int(coordination_id), step_name=step, text=text, now=now, tz=tz)
        else:
            flash(request, "请选择操作" if lang_of(request) == "zh" else "Choose a step", kind="error")
            return RedirectResponse(f"/petitions/{petition_id}", status_code=303)
    except DomainError as exc:
        flash(request, _say(request, exc), kind="error")
        return RedirectResponse(f"/petitions/{petition_id}", status_code=303)
    flash(request, "已办理" if lang_of(request) == "zh" else "Done")
    return RedirectResponse(f"/petitions/{petition_id}", status_code=303)
