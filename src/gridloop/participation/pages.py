"""Public participation pages (no login, Chinese first, phone-friendly): open campaigns, submit a suggestion,
see an outcome by receipt, read a draft and comment on it. Under /canyu (参与)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridloop.kernel.errors import DomainError
from gridloop.participation.services import campaigns, consultations, suggestions
from gridloop.platform.web.auth import check_csrf
from gridloop.platform.web.deps import DepsDep, SessionDep, UowDep
from gridloop.platform.web.render import render

router = APIRouter(include_in_schema=False)

#: Public paths (no login): the console's login guard is per page (PageActor), and these pages never ask for it.
PUBLIC_PREFIX = "/canyu"


@router.get(PUBLIC_PREFIX)
def home(request: Request, session: SessionDep) -> Response:
    """Open and closed campaigns."""
    return render(
        request, "participation/public_home.html", {"campaigns": campaigns.list_campaigns(session, public=True)}
    )


@router.get(PUBLIC_PREFIX + "/campaigns/{campaign_id}")
def campaign(request: Request, campaign_id: int, session: SessionDep) -> Response:
    """A campaign: topic, questions, the form, themes and their answers."""
    view = campaigns.public_campaign(session, campaign_id)
    return render(request, "participation/public_campaign.html", {"c": view, "receipt": "", "error": "", "text": ""})


@router.post(PUBLIC_PREFIX + "/campaigns/{campaign_id}")
async def submit(request: Request, campaign_id: int, uow: UowDep, deps: DepsDep) -> Response:
    """Submit the form; show the receipt (or the problems) on the same page."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    text = str(form.get("text", "")).strip()
    context: dict[str, object] = {"text": text, "receipt": "", "error": ""}
    try:
        made = suggestions.submit(
            uow, campaign_id, channel="web", text=text, now=deps.clock.now(),
            proposer_name=str(form.get("name", "")), proposer_contact=str(form.get("contact", "")),
        )  # fmt: skip
        context = {"receipt": made["receipt"], "error": "", "text": ""}
    except DomainError as exc:
        context["error"] = "；".join(e.message for e in exc.errors) or exc.detail
    context["c"] = campaigns.public_campaign(uow.session, campaign_id)
    return render(request, "participation/public_campaign.html", context, status=200 if context["receipt"] else 422)


@router.get(PUBLIC_PREFIX + "/receipt")
def receipt(request: Request, session: SessionDep, r: str = "") -> Response:
    """A proposer's outcome by receipt."""
    found, error = None, ""
    if r:
        try:
            found = suggestions.lookup(session, r)
        except DomainError:
            error = "未找到该回执号 / No suggestion with this receipt."
    return render(request, "participation/public_receipt.html", {"s": found, "r": r, "error": error})


@router.get(PUBLIC_PREFIX + "/consultations/{consultation_id}")
def consultation(request: Request, consultation_id: int, session: SessionDep) -> Response:
    """A draft decision with its documents, the comment form, and answered opinions."""
    view = consultations.public_view(session, consultation_id)
    return render(request, "participation/public_consultation.html", {"d": view, "sent": False, "error": ""})


@router.post(PUBLIC_PREFIX + "/consultations/{consultation_id}")
async def comment(request: Request, consultation_id: int, uow: UowDep, deps: DepsDep) -> Response:
    """Comment on the draft."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    context: dict[str, object] = {"sent": False, "error": ""}
    try:
        consultations.comment(uow, consultation_id, text=str(form.get("text", "")), now=deps.clock.now(),
                              author_name=str(form.get("name", "")), clause=str(form.get("clause", "")))  # fmt: skip
        context["sent"] = True
    except DomainError as exc:
        context["error"] = exc.detail
    context["d"] = consultations.public_view(uow.session, consultation_id)
    return render(request, "participation/public_consultation.html", context, status=200 if context["sent"] else 422)
