"""The exports page (报表导出): one export now, the "report once" definitions per recipient, and their files.

For people who hold both the KPI and export permissions (supervisors, analysts, administrators)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.interchange.domain.exports import ExportFormat, ExportKind, Schedule
from gridloop.interchange.services import exports
from gridloop.kernel.errors import DomainError, Forbidden, NotFound
from gridloop.kernel.org import Actor, Permission
from gridloop.platform.web import i18n
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, IdPath, SessionDep
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)
ONE_SECOND = timedelta(seconds=1)

TEXT: dict[str, tuple[str, str]] = {
    "ex.title": ("报表导出", "Exports"),
    "ex.now": ("立即导出", "Export now"),
    "ex.kind": ("内容", "Content"),
    "ex.from": ("起始日期", "From"),
    "ex.to": ("截止日期", "To"),
    "ex.district": ("区代码（可选）", "District code (optional)"),
    "ex.format": ("格式", "Format"),
    "ex.download": ("下载", "Download"),
    "ex.defs": ("定期报送（只报一次）", "Recurring exports (report once)"),
    "ex.defs.help": (
        "为每个接收单位定义一次，系统按周期自动生成并通知，不必重复填报。",
        "Define once per recipient; produced on schedule and announced, never typed twice.",
    ),
    "ex.name": ("名称", "Name"),
    "ex.recipient": ("接收单位代码（空为全市）", "Recipient unit code (empty: whole city)"),
    "ex.schedule": ("周期", "Schedule"),
    "ex.hour": ("生成时刻（时）", "Hour of the run"),
    "ex.create": ("新建", "Create"),
    "ex.next": ("下次生成", "Next run"),
    "ex.stop": ("停止", "Stop"),
    "ex.stopped": ("已停止", "Stopped"),
    "ex.runs": ("已生成文件", "Produced files"),
    "ex.rows": ("行数", "Rows"),
    "ex.period": ("统计期", "Period"),
    "ex.none": ("暂无", "None yet"),
    "ex.created": ("已新建定期报送", "Recurring export created"),
    "ex.bad_date": ("请填写日期（年-月-日）", "Give a date (YYYY-MM-DD)"),
    "ex.bad_period": ("截止日期早于起始日期", "The period ends before it starts"),
    "nav.exports": ("报表导出", "Exports"),
}


def _t(lang: str) -> Any:
    def t(key: str, **params: object) -> str:
        pair = TEXT.get(key)
        if pair is None:
            return i18n.t(key, lang, **params)
        text = pair[0] if lang == "zh" else pair[1]
        return text.format(**params) if params else text

    return t


def _require(actor: Actor) -> None:
    if not (actor.can(Permission.EXPORT) and actor.can(Permission.VIEW_KPIS)):
        raise Forbidden("导出报表需要统计与导出权限 / Exports need the KPI and export permissions.")


def _page(
    request: Request, session: Any, *, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    lang = lang_of(request)
    tz = request.app.state.container.deps.tz
    return render(
        request,
        "interchange_exports.html",
        {
            "t": _t(lang),
            "kinds": [(k.value, k.label(lang)) for k in ExportKind],
            "formats": [(f.value, f.label(lang)) for f in ExportFormat],
            "schedules": [(s.value, s.label(lang)) for s in Schedule],
            "kind_label": {k.value: k.label(lang) for k in ExportKind},
            "schedule_label": {s.value: s.label(lang) for s in Schedule},
            "definitions": exports.list_definitions(session),
            "runs": [
                {
                    "id": r.id,
                    "file_name": r.file_name,
                    "rows": r.rows,
                    "period": f"{r.period_start.astimezone(tz):%Y-%m-%d} – "
                    f"{(r.period_end - ONE_SECOND).astimezone(tz):%Y-%m-%d}",
                }
                for r in exports.recent_runs(session)
            ],
            "values": values,
            "errors": errors,
        },
        status=status,
    )


@router.get("/exports")
def exports_page(request: Request, actor: PageActor, session: SessionDep) -> Response:
    """The page: export now, the definitions, the produced files."""
    _require(actor)
    return _page(request, session, values={}, errors={})


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@router.get("/exports/download")
def download(request: Request, actor: PageActor, session: SessionDep, deps: DepsDep) -> Response:
    """One export now, as the person may see it; a bad field re-shows the page with the field marked."""
    _require(actor)
    q = request.query_params
    values = {k: q.get(k, "") for k in ("kind", "from", "to", "district", "format")}
    t = _t(lang_of(request))
    errors: dict[str, str] = {}
    first, last = _day(values["from"]), _day(values["to"])
    if first is None:
        errors["from"] = t("ex.bad_date")
    if last is None:
        errors["to"] = t("ex.bad_date")
    elif first is not None and last < first:
        errors["to"] = t("ex.bad_period")
    kind = {k.value: k for k in ExportKind}.get(values["kind"])
    fmt = {f.value: f for f in ExportFormat}.get(values["format"] or "xlsx")
    if kind is None:
        errors["kind"] = t("ex.kind")
    if fmt is None:
        errors["format"] = t("ex.format")
    district = values["district"].strip() or None
    if district is not None and not (len(district) == 6 and district.isdigit()):
        errors["district"] = t("ex.district")
    if errors or kind is None or fmt is None or first is None or last is None:
        return _page(request, session, values=values, errors=errors, status=422)
    made = exports.produce(
        session, kind=kind, fmt=fmt, first=first, last=last, actor=actor, now=deps.clock.now(), tz=deps.tz,
        district=district,
    )  # fmt: skip
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(made.name)}"}
    return Response(made.content, media_type=made.media_type, headers=headers)


@router.post("/exports/definitions")
async def create(request: Request, actor: PageActor, session: SessionDep, deps: DepsDep) -> Response:
    """Create a recurring export; problems re-show the form with each field marked."""
    _require(actor)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {
        k: str(form.get(k, "")).strip() for k in ("name", "kind", "format", "schedule", "hour", "unit", "district")
    }
    try:
        hour = int(values["hour"] or "8")
    except ValueError:
        hour = -1
    try:
        exports.create_definition(
            request.app.state.container.uow,
            name=values["name"], kind=values["kind"], fmt=values["format"], schedule=values["schedule"], hour=hour,
            recipient_unit=values["unit"] or None, district=values["district"] or None, by=actor.username,
            now=deps.clock.now(), tz=deps.tz,
        )  # fmt: skip
    except DomainError as exc:
        errors = {("unit" if e.field == "recipient_unit" else e.field): e.message for e in exc.errors}
        return _page(request, session, values=values, errors=errors, status=422)
    flash(request, _t(lang_of(request))("ex.created"))
    return RedirectResponse("/exports", status_code=303)


@router.post("/exports/definitions/{definition_id}/stop")
async def stop(request: Request, definition_id: IdPath, actor: PageActor) -> Response:
    """Stop a recurring export."""
    _require(actor)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    exports.deactivate(request.app.state.container.uow, definition_id)
    return RedirectResponse("/exports", status_code=303)


@router.get("/exports/runs/{run_id}")
def run_file(request: Request, run_id: IdPath, actor: PageActor, session: SessionDep) -> Response:
    """A produced file."""
    _require(actor)
    from gridloop.interchange.tables import ExportRunRow

    run = session.get(ExportRunRow, run_id)
    path = exports.run_file(request.app.state.container.settings.exports_dir, run) if run else None
    if run is None or path is None or not path.is_file():
        raise NotFound(f"no export file {run_id}")
    fmt = ExportFormat.XLSX if run.file_name.endswith(".xlsx") else ExportFormat.CSV
    from gridloop.interchange.domain.exports import MEDIA_TYPES

    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(run.file_name)}"}
    return Response(path.read_bytes(), media_type=MEDIA_TYPES[fmt], headers=headers)
