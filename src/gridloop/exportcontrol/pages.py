"""The console's screening form for enterprise-service staff (Chinese first): fill, screen, see the cited answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridloop.exportcontrol.domain.answer import PRESUMPTION_ZH
from gridloop.exportcontrol.domain.model import EndUse, TechStage
from gridloop.exportcontrol.domain.regimes import STATUS_ZH
from gridloop.exportcontrol.services.batch import COLUMNS, row_to_case
from gridloop.exportcontrol.services.screening import calendar_of, screen_and_record
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.web.auth import PageActor, check_csrf
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import lang_of, render

router = APIRouter(include_in_schema=False)

#: Form/CSV field → (Chinese, English) label; the form fields are the batch CSV columns.
LABELS: dict[str, tuple[str, str]] = {
    "reference": ("业务编号", "Reference"),
    "export_date": ("出口日期", "Export date"),
    "exporter_name": ("出口经营者", "Exporter"),
    "exporter_is_chinese": ("出口经营者为中国主体或位于中国境内", "Exporter is Chinese or in China"),
    "exporter_country": ("出口经营者所在国", "Exporter country"),
    "destination_country": ("目的国或地区", "Destination"),
    "item_description": ("物项名称", "Item"),
    "annex_category": ("第61号公告附件1类别", "No. 61 Annex 1 category"),
    "control_code": ("管制编码", "Control code"),
    "item_value": ("物项价值", "Item value"),
    "currency": ("币种", "Currency"),
    "china_part1_value": ("所含中国原产附件1第一部分物项价值", "China-origin Part 1 content value"),
    "bom_complete": ("物料清单完整", "BOM complete"),
    "uses_china_re_tech": ("使用中国原产稀土技术生产", "Made with China-origin RE technology"),
    "tech_stage": ("技术环节", "Technology stage"),
    "is_china_origin_item": ("物项为中国原产", "Item is of China origin"),
    "end_user_name": ("最终用户", "End user"),
    "end_user_is_military": ("最终用户为军事用户", "End user is military"),
    "parent_chain": ("股权链（名称:持股%; …）", "Owners (name:pct; …)"),
    "end_use": ("最终用途", "End use"),
    "technology_code": ("转让技术编码（第62号公告）", "Technology code (No. 62)"),
    "knowingly_supports": ("明知支持境外稀土活动", "Knowingly supports RE activity abroad"),
}
TRI_STATE = (("", "不明 unknown"), ("true", "是 yes"), ("false", "否 no"))
END_USE_ZH = {
    "civil": "民用", "military": "军事用途", "wmd": "大规模杀伤性武器", "terrorism": "恐怖主义",
    "adv_logic_le14nm": "14纳米及以下逻辑芯片", "memory_ge256l": "256层及以上存储芯片",
    "semi_equipment_for_those": "上述芯片的设备、材料", "military_ai_rd": "具有军事用途的人工智能研发",
    "humanitarian_medical": "紧急医疗", "public_health": "公共卫生突发事件", "disaster_relief": "自然灾害救助",
}  # fmt: skip
FORM_FIELD = {path: column for column, path in COLUMNS.items() if column not in ("bom_json",)}


def _context(values: dict[str, Any], errors: dict[str, str], answer: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "answer": answer,
        "labels": LABELS,
        "tri_state": TRI_STATE,
        "tri_fields": (
            "exporter_is_chinese",
            "bom_complete",
            "uses_china_re_tech",
            "is_china_origin_item",
            "end_user_is_military",
            "knowingly_supports",
        ),
        "end_uses": [(u.value, END_USE_ZH[u.value]) for u in EndUse],
        "tech_stages": [s.value for s in TechStage],
        "status_zh": {k.value: v for k, v in STATUS_ZH.items()},
        "presumption_zh": {k.value: v for k, v in PRESUMPTION_ZH.items()},
    }


@router.get("/export-control")
def screening_form(request: Request, actor: PageActor) -> Response:
    """The empty form."""
    return render(request, "export_control.html", _context({"currency": "CNY"}, {}, None))


@router.post("/export-control")
async def screening_submit(request: Request, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """Screen the form's shipment, store it, and show the answer under the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in LABELS if k != "end_use"}
    values["end_use"] = [str(v) for v in form.getlist("end_use")]
    row = {k: v for k, v in values.items() if k != "end_use"}
    row["end_use"] = "|".join(values["end_use"])
    row["parent_chain"] = ";".join(p.strip() for p in values["parent_chain"].replace("\n", ";").split(";") if p.strip())
    calendar, name = calendar_of(deps.deadlines)
    try:
        answer = screen_and_record(
            uow, row_to_case(row), now=deps.clock.now(), by=actor.username, source="console", calendar=calendar,
            calendar_name=name,
            write_lock=deps.write_lock,
        )  # fmt: skip
    except InvalidInput as exc:
        zh = lang_of(request) == "zh"
        errors = {_form_field(e.field): e.message for e in exc.errors} or {"_": exc.detail}
        if zh:
            errors = {k: f"输入有误：{v}" for k, v in errors.items()}
        return render(request, "export_control.html", _context(values, errors, None), status=422)
    return render(request, "export_control.html", _context(values, {}, answer))


def _form_field(path: str) -> str:
    """The form field of a case-JSON path (item.value → item_value; bom.0.value → china_part1_value)."""
    if path.startswith("bom"):
        return "china_part1_value"
    if path.startswith("end_user.parent_chain"):
        return "parent_chain"
    if path.startswith("end_use"):
        return "end_use"
    return FORM_FIELD.get(path, "_")
