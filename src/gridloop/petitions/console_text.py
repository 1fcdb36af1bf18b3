"""The petition console's labels: key → (中文, English); others fall back to the console's table."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.platform.web import i18n

TEXT: dict[str, tuple[str, str]] = {
    "pt.title": ("信访事项", "Petitions"),
    "pt.number": ("编号", "Number"),
    "pt.class": ("类别", "Class"),
    "pt.subject": ("事由", "Subject"),
    "pt.petitioner": ("信访人", "Petitioner"),
    "pt.status": ("状态", "Status"),
    "pt.received": ("登记时间", "Received"),
    "pt.due": ("办理时限", "Due"),
    "pt.overdue": ("已超期", "Overdue"),
    "pt.none": ("暂无由本单位办理的信访事项", "No petitions handled by your unit"),
    "pt.scope": (
        "仅显示由本单位办理的信访事项（信访信息严格保密）。",
        "Only petitions your unit handles are shown (petition data is confidential).",
    ),
    "pt.facts": ("事实与理由", "Facts"),
    "pt.request": ("诉求", "Request"),
    "pt.answer": ("处理意见", "Written answer"),
    "pt.separation": ("诉访分离研判", "Litigation–petition separation"),
    "pt.legal": ("属于法定途径", "Belongs to a legal channel"),
    "pt.not_legal": ("未发现应通过诉讼、仲裁或行政复议解决的情形", "No sign of a matter for the courts"),
    "pt.explanation": ("研判依据", "Why"),
    "pt.history": ("办理记录", "History"),
    "pt.coordination": ("涉法涉诉衔接记录", "Coordination record"),
    "pt.legal_unit": ("政法单位", "Legal unit"),
    "pt.transferred": ("移交", "Transferred"),
    "pt.acknowledged": ("签收", "Acknowledged"),
    "pt.result": ("办理结果", "Result"),
    "pt.fed_back": ("反馈信访人", "Fed back"),
    "pt.act": ("办理", "Act"),
    "pt.action": ("操作", "Action"),
    "pt.text": ("意见 / 理由 / 说明", "Text / reason / note"),
    "pt.unit_code": ("承办或复查单位编码", "Unit code"),
    "pt.level": ("复查 / 复核", "Review level"),
    "pt.submit": ("提交", "Submit"),
    "pt.extended": ("已延期", "Extended"),
    "pt.repeat": ("重复信访", "Repeat petition"),
    "pt.register": ("登记信访事项", "Register a petition"),
    "pt.channel": ("来源渠道", "Channel"),
    "pt.phone": ("联系电话", "Phone"),
    "pt.id_number": ("身份证号码", "ID number"),
    "pt.respondent": ("被反映单位或人员", "About whom"),
    "pt.transfer": ("移交政法单位", "Transfer to a political-legal unit"),
    "pt.step": ("衔接办理", "Next step"),
    "pt.acknowledge": ("签收", "Acknowledge"),
    "pt.result_step": ("报送办理结果", "Report the result"),
    "pt.feedback": ("反馈信访人", "Feed back to the petitioner"),
}


def translator(lang: str) -> Callable[..., str]:
    """t(key, **params): this table first, then the console's."""
    return i18n.layered(TEXT, lang)
