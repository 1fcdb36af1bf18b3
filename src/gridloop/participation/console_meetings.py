"""Staff console pages for citizens' roundtables (follow-up actions with owners and due dates) and consultations
(every opinion beside its response and the change it made, the text's changes, thank-you letters)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from gridloop.kernel.errors import DomainError
from gridloop.participation.console import STAFF, render
from gridloop.participation.domain.model import Outcome
from gridloop.participation.services import consultations, roundtables
from gridloop.platform.web.auth import PageActor, check_csrf, require_role
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=5000)]


def _problem(request: Request, exc: DomainError) -> None:
    detail = exc.errors[0].message if exc.errors else exc.detail
    zh = "操作未完成，请检查填写内容（只有主办或起草单位可以操作）"
    flash(request, zh if lang_of(request) == "zh" else detail, kind="error")


@router.get("/participation/roundtables")
def roundtables_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Every roundtable, newest first."""
    require_role(actor, *STAFF)
    return render(
        request, "participation/console_roundtables.html", {"items": roundtables.list_roundtables(uow.session)}
    )


@router.get("/participation/roundtables/{roundtable_id}")
def roundtable_page(request: Request, roundtable_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """Schedule, place, participants, agenda, minutes, suggestions raised, follow-up actions."""
    require_role(actor, *STAFF)
    r = roundtables.show(uow.session, roundtable_id, today=deps.clock.now().astimezone(deps.tz).date())
    return render(request, "participation/console_roundtable.html", {"r": r})


@router.post("/participation/roundtables/{roundtable_id}/actions")
def add_action(
    request: Request, roundtable_id: Id, actor: PageActor, uow: UowDep, csrf: Annotated[str, Form()] = "",
    description: Long = "", owner_unit_code: Short = "", due_on: Short = "",
) -> RedirectResponse:  # fmt: skip
    """A follow-up action with its owner unit and due date."""
    require_role(actor, *STAFF)
    check_csrf(request, csrf)
    try:
        due = date.fromisoformat(due_on)
    except ValueError:
        flash(request, "请填写完成期限（年-月-日）" if lang_of(request) == "zh" else "Give the due date", kind="error")
        return RedirectResponse(f"/participation/roundtables/{roundtable_id}", status_code=303)
    try:
        roundtables.add_action(uow, actor, roundtable_id, description=description, owner_unit_code=owner_unit_code,
                               due_on=due)  # fmt: skip
        flash(request, "已添加" if lang_of(request) == "zh" else "Added")
    except DomainError as exc:
        _problem(request, exc)
    return RedirectResponse(f"/participation/roundtables/{roundtable_id}", status_code=303)


@router.get("/participation/consultations")
def consultations_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Every consultation with the opinions still waiting for a response."""
    require_role(actor, *STAFF)
    items = consultations.list_consultations(uow.session)
    return render(request, "participation/console_consultations.html", {"items": items})


@router.get("/participation/consultations/{consultation_id}")
def consultation_page(request: Request, consultation_id: Id, actor: PageActor, uow: UowDep) -> Response:
    """The record: each opinion beside its response and change, the text's changes, representatives."""
    require_role(actor, *STAFF)
    record = consultations.final_record(uow.session, consultation_id)
    return render(request, "participation/console_consultation.html", {"d": record, "outcomes": list(Outcome)})


@router.post("/participation/consultations/{consultation_id}/opinions/{opinion_id}")
def respond(
    request: Request, consultation_id: Id, opinion_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form()] = "", outcome: Short = "", response: Long = "", change: Long = "",
) -> RedirectResponse:  # fmt: skip
    """The drafting department answers one opinion."""
    require_role(actor, *STAFF)
    check_csrf(request, csrf)
    try:
        consultations.respond(uow, actor, opinion_id, outcome=outcome, response=response, change=change,
                              now=deps.clock.now())  # fmt: skip
        flash(request, "已答复" if lang_of(request) == "zh" else "Answered")
    except DomainError as exc:
        _problem(request, exc)
    return RedirectResponse(f"/participation/consultations/{consultation_id}", status_code=303)


@router.get("/participation/representatives/{representative_id}/letter")
def letter(representative_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """The thank-you letter to a representative who attended (plain text, to print or send)."""
    require_role(actor, *STAFF)
    text = consultations.thank_you_letter(uow.session, representative_id, office="起草单位",
                                          tz=deps.tz, today=deps.clock.now().astimezone(deps.tz).date())  # fmt: skip
    return PlainTextResponse(text)
