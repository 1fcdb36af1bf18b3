"""The intake form's repeat-call buttons: the call becomes a follow-up (追加), a merge (并单) or a reopen (重办)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.cases.domain.intake import strip_terminal_codes
from gridloop.cases.services.history import repeat_call
from gridloop.cases.services.intake import NewCase
from gridloop.kernel.errors import DomainError
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of

router = APIRouter(include_in_schema=False)

DONE: dict[str, tuple[str, str]] = {
    "follow_up": ("来电已作为追加诉求记入工单 {number}。", "The call was added to case {number} as a follow-up."),
    "merge": ("来电已受理为工单 {number} 并并入原工单 {target}。", "Case {number} was merged into {target}."),
    "reopen": ("工单 {number} 已重办。", "Case {number} is being handled again."),
    "reopen_new": ("原工单 {target} 已结案，来电已受理为重办工单 {number}。",
                   "Case {target} was closed; the call is new case {number} (重办)."),
}  # fmt: skip


@router.post("/intake/repeat")
def intake_repeat(
    request: Request,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    idem: Annotated[str, Form(max_length=64)] = "",
    repeat: Annotated[str, Form(max_length=40)] = "",
    title: Annotated[str, Form(max_length=400)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    request_type: Annotated[str, Form(max_length=40)] = "complaint",
    channel: Annotated[str, Form(max_length=40)] = "phone",
    category: Annotated[str, Form(max_length=64)] = "",
    reporter_name: Annotated[str, Form(max_length=100)] = "",
    reporter_phone: Annotated[str, Form(max_length=40)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    area_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """`repeat` is "mode:case id" (follow_up:12, merge:12, reopen:12) from the caller's-history panel."""
    check_csrf(request, csrf)
    zh = lang_of(request) == "zh"
    mode, _, raw_id = repeat.partition(":")
    target_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 19 else 0
    data = NewCase(
        title=strip_terminal_codes(title).strip(), text=strip_terminal_codes(text), channel=channel,
        request_type=request_type, category=category or None, address=address.strip() or None,
        area_code=area_code.strip() or None, reporter_name=reporter_name.strip() or None,
        reporter_phone=reporter_phone.strip() or None,
    )  # fmt: skip
    try:
        if not text.strip():
            raise DomainError("请先记录来电内容。" if zh else "Write down what the caller says first.")
        case, done = repeat_call(uow, actor, mode=mode, target_id=target_id, data=data, deps=deps,
                                 idem=f"web-{idem}" if idem else None)  # fmt: skip
    except DomainError as exc:
        flash(request, exc.detail, kind="error")
        return RedirectResponse("/intake", status_code=303)
    target = uow.session.get(type(case), target_id)
    words = DONE[done][0 if zh else 1].format(number=case.number, target=target.number if target else "")
    request.session["flash"] = {"message": words, "kind": "ok", "errors": {}, "case_id": case.id}
    return RedirectResponse(f"/intake?created={case.id}", status_code=303)
