"""Staff console pages for suggestion campaigns (login required, Chinese first): campaigns with adoption
statistics per theme and department, themes staff rename, re-term, merge and send to a department, suggestions
answered one by one or per theme (采纳 / 部分采纳 / 留作参考 / 不予采纳 with reasons). The services decide who may
do what (the owning unit runs a campaign, the department it was sent to answers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Role
from gridloop.participation.console_text import translator
from gridloop.participation.domain.model import Outcome
from gridloop.participation.services import campaigns, suggestions
from gridloop.platform.web.auth import PageActor, check_csrf, require_role
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of
from gridloop.platform.web.render import render as _render

router = APIRouter(include_in_schema=False)
STAFF = (Role.OPERATOR, Role.SUPERVISOR, Role.HANDLER, Role.DISPATCHER, Role.ANALYST)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=2000)]

#: Problems from the services, in Chinese for the console (by a fragment of the English message).
ZH = [
    ("Only the campaign's owning unit", "只有征集活动的牵头单位（或管理员）可以操作"),
    ("Only the department", "只有承办部门或牵头单位可以答复"),
    ("needs the reason", "该答复需要填写理由，理由会告知建议人"),
    ("must not be empty", "主题名称不能为空"),
    ("same campaign", "只能合并到同一活动的其他主题"),
    ("unknown outcome", "请选择答复结果"),
    ("No unit", "没有该编码的单位"),
]


def render(request: Request, template: str, ctx: dict[str, Any]) -> Response:
    """A page with this console's labels."""
    return _render(request, template, {**ctx, "t": translator(lang_of(request))})


def _say(request: Request, exc: DomainError) -> str:
    detail = exc.errors[0].message if exc.errors else exc.detail
    if lang_of(request) == "zh":
        return next((zh for fragment, zh in ZH if fragment in detail), "操作未完成，请检查填写内容")
    return detail


@router.get("/participation")
def campaigns_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Every campaign (drafts too) with its period, status and answered share."""
    require_role(actor, *STAFF)
    items = []
    for c in campaigns.list_campaigns(uow.session, public=False):
        items.append({**c, "stats": campaigns.campaign_stats(uow.session, int(c["id"]))["campaign"]})
    return render(request, "participation/console_campaigns.html", {"items": items})


@router.get("/participation/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: Id, actor: PageActor, uow: UowDep, theme: int = 0) -> Response:
    """One campaign: adoption per theme and department, the themes to edit, suggestions to answer."""
    require_role(actor, *STAFF)
    session = uow.session
    c = campaigns.campaign_to_dict(campaigns.get_campaign(session, campaign_id))
    stats = campaigns.campaign_stats(session, campaign_id)
    themes = suggestions.list_themes(session, campaign_id)
    units = campaigns.unit_names(session, [*stats["by_department"], *(t["department_unit_id"] or 0 for t in themes)])
    by_department = {units.get(int(k), k) if k != "-" else "-": v for k, v in stats["by_department"].items()}
    theme_id = theme if theme > 0 else None
    ctx = {
        "c": c, "stats": stats, "by_department": by_department, "themes": themes,
        "suggestions": suggestions.list_suggestions(session, campaign_id, theme_id=theme_id, limit=100),
        "theme_filter": theme_id, "outcomes": list(Outcome), "units": units,
    }  # fmt: skip
    return render(request, "participation/console_campaign.html", ctx)


def _back(campaign_id: int, theme: int | None = None) -> RedirectResponse:
    url = f"/participation/campaigns/{campaign_id}" + (f"?theme={theme}" if theme else "")
    return RedirectResponse(url, status_code=303)


def _done(request: Request, zh: str, en: str) -> None:
    flash(request, zh if lang_of(request) == "zh" else en)


@router.post("/participation/campaigns/{campaign_id}/themes/{theme_id}")
def theme_action(
    request: Request, campaign_id: Id, theme_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form()] = "", action: Short = "", label: Short = "", key_terms: Short = "",
    merge_into: Short = "", unit_code: Short = "", outcome: Short = "", reason: Long = "",
) -> RedirectResponse:  # fmt: skip
    """Rename / re-term, merge, send to a department, or answer a theme."""
    require_role(actor, *STAFF)
    check_csrf(request, csrf)
    try:
        if action == "edit":
            terms = [t for t in key_terms.replace("，", ",").split(",")]
            suggestions.edit_theme(uow, actor, theme_id, label=label, key_terms=terms)
        elif action == "merge" and merge_into.isdigit():
            suggestions.edit_theme(uow, actor, theme_id, merge_into=int(merge_into))
        elif action == "assign":
            suggestions.assign_theme(uow, actor, theme_id, unit_code=unit_code.strip())
        elif action == "answer":
            suggestions.answer_theme(uow, actor, theme_id, outcome=outcome, reason=reason, now=deps.clock.now(),
                                     outbox=deps.outbox)  # fmt: skip
        else:
            flash(request, "请选择操作" if lang_of(request) == "zh" else "Choose an action", kind="error")
            return _back(campaign_id)
    except DomainError as exc:
        flash(request, _say(request, exc), kind="error")
        return _back(campaign_id)
    _done(request, "已保存", "Saved")
    return _back(campaign_id)


@router.post("/participation/campaigns/{campaign_id}/suggestions/{suggestion_id}")
def suggestion_action(
    request: Request, campaign_id: Id, suggestion_id: Id, actor: PageActor, uow: UowDep, deps: DepsDep,
    csrf: Annotated[str, Form()] = "", action: Short = "", theme_id: Short = "", outcome: Short = "",
    reason: Long = "",
) -> RedirectResponse:  # fmt: skip
    """Answer one suggestion, or move it to another theme."""
    require_role(actor, *STAFF)
    check_csrf(request, csrf)
    try:
        if action == "move" and theme_id.isdigit():
            suggestions.move_suggestion(uow, actor, suggestion_id, theme_id=int(theme_id))
        else:
            suggestions.answer_suggestion(uow, actor, suggestion_id, outcome=outcome, reason=reason,
                                          now=deps.clock.now(), outbox=deps.outbox)  # fmt: skip
    except DomainError as exc:
        flash(request, _say(request, exc), kind="error")
        return _back(campaign_id)
    _done(request, "已答复，建议人将收到办理结果" if action != "move" else "已移动", "Done")
    return _back(campaign_id)


def stats_rows(tallies: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a statistics table, largest first."""
    return sorted(tallies.items(), key=lambda kv: -int(kv[1].get("received", 0)))
