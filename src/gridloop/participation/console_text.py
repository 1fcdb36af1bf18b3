"""The participation console's labels: key → (中文, English); others fall back to the console's table."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.platform.web import i18n

TEXT: dict[str, tuple[str, str]] = {
    "pc.campaigns": ("建议征集", "Suggestion campaigns"),
    "pc.topic": ("主题", "Topic"),
    "pc.period": ("征集期", "Period"),
    "pc.status": ("状态", "Status"),
    "pc.received": ("收到", "Received"),
    "pc.answered": ("已答复", "Answered"),
    "pc.adoption": ("采纳率", "Adoption rate"),
    "pc.none": ("暂无征集活动", "No campaigns"),
    "pc.stats": ("采纳统计", "Adoption statistics"),
    "pc.duplicates": ("重复建议", "Duplicates"),
    "pc.by_theme": ("按主题", "By theme"),
    "pc.by_department": ("按承办部门", "By department"),
    "pc.unsorted": ("未归类 / 未分派", "Not sorted / not assigned"),
    "pc.themes": ("建议主题", "Themes"),
    "pc.items": ("条", "suggestions"),
    "pc.key_terms": ("关键词", "Key terms"),
    "pc.show_suggestions": ("查看该主题的建议", "Show its suggestions"),
    "pc.label": ("主题名称", "Label"),
    "pc.save": ("保存", "Save"),
    "pc.merge_into": ("并入主题", "Merge into"),
    "pc.merge": ("合并", "Merge"),
    "pc.department_code": ("承办部门编码", "Department code"),
    "pc.assign": ("交办", "Send for study"),
    "pc.answer_theme": ("按主题答复", "Answer the theme"),
    "pc.no_themes": ("尚未聚类，可在命令行运行 gridloop participation cluster", "Not clustered yet"),
    "pc.suggestions": ("建议列表", "Suggestions"),
    "pc.all": ("全部", "All"),
    "pc.receipt": ("回执号", "Receipt"),
    "pc.channel": ("渠道", "Channel"),
    "pc.text": ("内容", "Text"),
    "pc.outcome": ("办理结果", "Outcome"),
    "pc.reason": ("理由（告知建议人）", "Reason (told to the proposer)"),
    "pc.answer": ("答复", "Answer"),
    "pc.duplicate": ("重复（随原建议答复）", "Duplicate (answered with the original)"),
    "pc.no_suggestions": ("暂无建议", "No suggestions"),
    "pc.roundtables": ("市民圆桌会", "Roundtables"),
    "pc.consultations": ("决策征求意见", "Consultations"),
    "pc.when": ("时间", "When"),
    "pc.place": ("地点", "Place"),
    "pc.capacity": ("名额", "Capacity"),
    "pc.agenda": ("议程", "Agenda"),
    "pc.participants": ("参会人员", "Participants"),
    "pc.name": ("姓名", "Name"),
    "pc.affiliation": ("单位 / 身份", "Affiliation"),
    "pc.attended": ("出席", "Attended"),
    "pc.minutes": ("会议纪要", "Minutes"),
    "pc.raised": ("会上提出的建议", "Suggestions raised"),
    "pc.actions": ("后续事项", "Follow-up actions"),
    "pc.action": ("事项", "Action"),
    "pc.due_on": ("完成期限", "Due"),
    "pc.done": ("已完成", "Done"),
    "pc.overdue": ("已逾期", "Overdue"),
    "pc.open": ("办理中", "Open"),
    "pc.owner_unit": ("责任单位编码", "Owner unit code"),
    "pc.add_action": ("添加后续事项", "Add an action"),
    "pc.waiting": ("待答复意见", "Opinions waiting"),
    "pc.opinions": ("意见与答复", "Opinions and responses"),
    "pc.opinion": ("意见", "Opinion"),
    "pc.response": ("答复", "Response"),
    "pc.change": ("文本修改", "Change to the text"),
    "pc.text_changes": ("文本前后对照", "Changes to the text"),
    "pc.representatives": ("公众代表", "Public representatives"),
    "pc.letter": ("感谢信", "Thank-you letter"),
}


def translator(lang: str) -> Callable[..., str]:
    """t(key, **params): this table first, then the console's."""
    return i18n.layered(TEXT, lang)
