"""The knowledge pages' label table: key → (中文, English); anything else falls back to the console's table."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.platform.web import i18n

TEXT: dict[str, tuple[str, str]] = {
    "kb.title": ("政策知识库", "Policy knowledge base"),
    "kb.tab.articles": ("文章", "Articles"),
    "kb.tab.expiring": ("到期提醒", "Expiring"),
    "kb.tab.import": ("导入导出", "Import / export"),
    "kb.tab.gaps": ("知识缺口", "Gaps"),
    "kb.new": ("新建文章", "New article"),
    "kb.edit": ("编辑（保存为新版本）", "Edit (saves a new version)"),
    "kb.save": ("保存为草稿版本", "Save as a draft version"),
    "kb.saved": ("已保存第 {n} 版（草稿），审核后发布即生效", "Version {n} saved as a draft; review and publish it"),
    "kb.moved": ("第 {n} 版：{status}", "Version {n}: {status}"),
    "kb.versions": ("版本历史", "Version history"),
    "kb.diff": ("与上一版比较", "Compare with the previous version"),
    "kb.diff_title": ("{id} 第 {old} 版 → 第 {new} 版", "{id} version {old} → {new}"),
    "kb.no_change": ("无变化", "No change"),
    "kb.current": ("今日答复所用版本", "Answered from today"),
    "kb.lapsed": ("已过有效期", "past its expiry date"),
    "kb.none": ("没有符合条件的文章", "No articles match"),
    "kb.valid_on": ("在此日期有效", "Valid on"),
    "kb.all": ("全部", "All"),
    "kb.search": ("查询", "Search"),
    "kb.text": ("编号或标题", "Id or title"),
    "kb.total": ("共 {n} 篇", "{n} articles"),
    "kb.f.source_id": ("文章编号", "Article id"),
    "kb.f.title": ("标题（问题）", "Title (question)"),
    "kb.f.body": ("正文（答案）", "Body (answer)"),
    "kb.f.department": ("责任部门", "Owning department"),
    "kb.f.citation": ("引用出处", "Citation"),
    "kb.f.source": ("来源", "Source"),
    "kb.f.effective_from": ("生效日期", "Effective from"),
    "kb.f.expires_on": ("失效日期（最后有效日）", "Expires on (last valid day)"),
    "kb.f.status": ("状态", "Status"),
    "kb.f.version": ("版本", "Version"),
    "kb.f.updated": ("更新时间", "Updated"),
    "kb.f.published": ("发布时间", "Published"),
    "kb.f.actions": ("审核流程", "Workflow"),
    "kb.f.days_left": ("剩余天数", "Days left"),
    "kb.f.week": ("周", "Week"),
    "kb.f.query": ("来电问题（已脱敏）", "Query (masked)"),
    "kb.f.count": ("次数", "Count"),
    "kb.expiring.title": ("即将到期的文章", "Articles about to expire"),
    "kb.expiring.days": ("天内到期", "Days ahead"),
    "kb.expiring.send": ("向责任部门发送到期提醒", "Send expiry alerts to the owners"),
    "kb.expiring.sent": ("已发送 {n} 条到期提醒（经消息队列投递）", "{n} expiry alerts queued (outbox)"),
    "kb.import.title": ("导入文章", "Import articles"),
    "kb.import.file": ("文件（CSV 或 JSONL，UTF-8）", "File (CSV or JSONL, UTF-8)"),
    "kb.import.format": ("格式", "Format"),
    "kb.import.mapping": ("列对应关系", "Column mapping"),
    "kb.import.map_hint": (
        "填写文件中的列名；编号、标题、正文为必填",
        "Column names in the file; id, title, body required",
    ),
    "kb.import.publish": ("直接发布（否则为草稿，需审核）", "Publish at once (else drafts to review)"),
    "kb.import.dry": ("试导入（不保存）", "Dry run (nothing saved)"),
    "kb.import.run": ("导入", "Import"),
    "kb.import.result": (
        "读取 {rows} 行：可导入 {ok} 行，错误 {bad} 行",
        "{rows} rows read: {ok} importable, {bad} with errors",
    ),
    "kb.import.done": (
        "已导入：新增 {added} 篇，新版本 {versions} 个，未变 {same} 篇",
        "Imported: {added} new, {versions} new versions, {same} unchanged",
    ),
    "kb.import.row": ("行", "Row"),
    "kb.import.field": ("字段", "Field"),
    "kb.import.problem": ("问题", "Problem"),
    "kb.import.columns": ("文件中的列：{cols}", "Columns in the file: {cols}"),
    "kb.export.title": ("导出", "Export"),
    "kb.export.csv": ("导出 CSV", "Export CSV"),
    "kb.export.jsonl": ("导出 JSONL", "Export JSONL"),
    "kb.gaps.title": ("知识缺口：未找到答案的来电问题", "Gaps: queries with no answer found"),
    "kb.gaps.csv": ("导出 CSV", "Export CSV"),
    "kb.gaps.none": ("暂无记录", "Nothing recorded"),
    "kb.gaps.unassigned": ("未分类", "Unassigned"),
    "kb.errors": ("请更正标出的字段", "Please correct the marked fields"),
}
#: Service field messages → Chinese.
MESSAGES: dict[str, str] = {
    "required": "必填",
    "not a date (YYYY-MM-DD)": "日期格式应为 YYYY-MM-DD",
    "must not be before the effective date": "不能早于生效日期",
    "an article with this id exists": "该编号已存在",
    "choose a column": "请填写对应的列名",
    "empty or invalid id": "编号为空或含非法字符",
    "id repeated in the file": "编号在文件中重复",
    "empty": "为空",
    "before the effective date": "早于生效日期",
    "not a JSON object": "不是 JSON 对象",
    "the file must be UTF-8 text": "文件须为 UTF-8 文本",
    "csv or jsonl": "须为 csv 或 jsonl",
}


def message(text: str, lang: str) -> str:
    """A service's field message in the page's language."""
    if lang != "zh":
        return text
    if text in MESSAGES:
        return MESSAGES[text]
    if text.startswith("no column"):
        return "文件中没有列 " + text.removeprefix("no column ")
    if text.startswith("at most"):
        return "过长：" + text
    if text.startswith("required:"):
        return "必填：1–200 个字符，不含空格、/ ? # 或引号"
    return text


def translator(lang: str) -> Callable[..., str]:
    """t(key, **params) for the knowledge pages: this table first, then the console's."""
    return i18n.layered(TEXT, lang)
