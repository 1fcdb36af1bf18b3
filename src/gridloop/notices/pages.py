"""Notice pages: the notice centre (/notices) with read marks, my preferences (/notices/settings), and the
follow / unfollow forms of a case page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.notices.domain import ROLE_DEFAULTS, NoticeChannel, NoticeKind
from gridloop.notices.services import centre
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, IdPath, SessionDep, UowDep
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)

#: The pages' own words (中文, English): the notice centre is one capability's, so its text lives here.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("通知", "Notifications"),
    "unread": ("未读 {n} 条", "{n} unread"),
    "read_all": ("全部标为已读", "Mark all read"),
    "mark_read": ("标为已读", "Mark read"),
    "none": ("暂无通知。新派单、退单、督办、24 小时内到期和关注工单的变化会出现在这里。",
             "No notices yet: new dispatches, returns, 督办, deadlines within 24 h and followed cases appear here."),
    "settings": ("通知设置", "Notification settings"),
    "kind": ("通知类型", "Kind"),
    "default": ("角色默认", "role default"),
    "save": ("保存设置", "Save settings"),
    "saved": ("通知设置已保存。", "Settings saved."),
    "marked": ("已标为已读。", "Marked read."),
    "followed": ("已关注该工单，它的每次变化都会通知你。", "You follow this case now."),
    "unfollowed": ("已取消关注。", "You no longer follow this case."),
    "channels_note": ("短信和微信由管理员接入服务商后才会发出；站内通知始终保存在本页。",
                      "SMS and WeChat go out once an administrator connects a provider; in-app notices stay here."),
    "live": ("新通知会实时出现，无需刷新。", "New notices appear live, without a reload."),
}  # fmt: skip


def _words(request: Request) -> dict[str, str]:
    i = 0 if lang_of(request) == "zh" else 1
    return {k: v[i] for k, v in TEXT.items()}


@router.get("/notices")
def notices_page(request: Request, actor: PageActor, session: SessionDep, unread: int = 0) -> Response:
    """My notices, newest first, each with a link to its case and a read mark."""
    rows = centre.list_notices(session, actor, unread_only=bool(unread), limit=100)
    ctx = {
        "w": _words(request),
        "items": [centre.notice_to_dict(r) for r in rows],
        "unread_count": centre.unread_count(session, actor),
        "only_unread": bool(unread),
    }
    return render(request, "notices.html", ctx)


@router.post("/notices/{notice_id}/read")
def read_one(
    request: Request, notice_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Mark one notice read and go back to the list."""
    check_csrf(request, csrf)
    centre.mark_read(uow, actor, notice_id, now=deps.clock.now())
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/read-all")
def read_all(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Mark every notice read."""
    check_csrf(request, csrf)
    centre.mark_all_read(uow, actor, now=deps.clock.now())
    flash(request, _words(request)["marked"])
    return RedirectResponse("/notices", status_code=303)


@router.get("/notices/settings")
def settings_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    """Per kind × channel: on or off for me (the role's default marked)."""
    prefs = {(p["kind"], p["channel"]): p for p in centre.preferences(session, actor)}
    ctx = {"w": _words(request), "prefs": prefs, "kinds": list(NoticeKind), "channels": list(NoticeChannel),
           "defaults": ROLE_DEFAULTS.get(actor.role, {})}  # fmt: skip
    return render(request, "notice_settings.html", ctx)


@router.post("/notices/settings")
async def save_settings(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Store the ticked boxes (a box per kind × channel; unticked means off)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", ""))[:100])
    ticked = {str(v) for v in form.getlist("on")}
    choices = {(k.value, c.value): f"{k.value}:{c.value}" in ticked for k in NoticeKind for c in NoticeChannel}
    centre.set_preferences(uow, actor, choices)
    flash(request, _words(request)["saved"])
    return RedirectResponse("/notices/settings", status_code=303)


@router.post("/cases/{case_id}/follow")
def follow_case(
    request: Request, case_id: IdPath, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form(max_length=100)] = "", on: Annotated[int, Form(ge=0, le=1)] = 1,
) -> Response:  # fmt: skip
    """Follow or unfollow a case from its page."""
    check_csrf(request, csrf)
    following = centre.follow(uow, actor, case_id, now=deps.clock.now(), on=bool(on))
    flash(request, _words(request)["followed" if following else "unfollowed"])
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
