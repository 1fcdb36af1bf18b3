"""The console's one translation table: key → (中文, English). Enum labels come from the LabeledEnums."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.kernel.labels import LabeledEnum

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, tuple[str, str]] = {
    "app.name": ("一网统管 · 12345 工单中心", "gridloop · 12345 operations console"),
    "app.short": ("网格闭环", "gridloop"),
    "lang.switch": ("English", "中文"),
    # navigation
    "nav.intake": ("接线受理", "Take a call"),
    "nav.queue": ("派单队列", "Dispatch queue"),
    "nav.inbox": ("待办", "Inbox"),
    "nav.cases": ("工单查询", "Cases"),
    "nav.board": ("运行看板", "Operations board"),
    "nav.emergency": ("应急管理", "Emergency"),
    "nav.exports": ("报表导出", "Exports"),
    "nav.drills": ("应急演练", "Drills"),
    "nav.participation": ("建议征集", "Suggestions"),
    "nav.petitions": ("信访办理", "Petitions"),
    "nav.export_control": ("出口管制筛查", "Export-control screening"),
    "nav.kb": ("政策知识库", "Knowledge base"),
    "nav.kb_gaps": ("知识缺口", "KB gaps"),
    "nav.field_app": ("网格员移动端", "Grid worker app"),
    "nav.patrols": ("巡查任务", "Patrol tasks"),
    "nav.notices": ("通知", "Notifications"),
    "nav.password": ("修改密码", "Change password"),
    "nav.logout": ("退出", "Log out"),
    "nav.skip": ("跳到正文", "Skip to content"),
    # login
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.throttled": (
        "登录失败次数过多，请 {minutes} 分钟后再试，或请管理员解锁。",
        "Too many failed logins; try again in {minutes} min or ask an administrator to unlock the account.",
    ),
    "login.expired": ("登录已过期，请重新登录。未提交的接线内容已保存在本机。", "Your session expired; log in again."),
    "login.demo": ("演示账号密码：gridloop-demo", "Demo accounts use the password gridloop-demo"),
    "password.title": ("修改密码", "Change password"),
    "password.old": ("当前密码", "Current password"),
    "password.new": ("新密码（至少 8 位）", "New password (at least 8 characters)"),
    "password.repeat": ("再次输入新密码", "Repeat the new password"),
    "password.mismatch": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "password.wrong": ("当前密码错误。", "The current password is wrong."),
    "password.short": ("新密码至少 8 位。", "The new password needs at least 8 characters."),
    "password.done": ("密码已修改。", "Password changed."),
    "csrf.failed": ("表单已失效（可能页面停留过久），请重新提交。", "The form expired; please submit it again."),
    # generic
    "common.save": ("保存", "Save"),
    "common.submit": ("提交", "Submit"),
    "common.search": ("查询", "Search"),
    "common.reset": ("重置", "Reset"),
    "common.export_csv": ("导出 CSV", "Export CSV"),
    "common.prev": ("上一页", "Previous"),
    "common.next": ("下一页", "Next"),
    "common.page": ("第 {page} 页", "Page {page}"),
    "common.total": ("共 {total} 条", "{total} in all"),
    "common.total_capped": ("超过 {total} 条", "more than {total}"),
    "common.none": ("暂无", "None"),
    "common.all": ("全部", "All"),
    "common.yes": ("是", "Yes"),
    "common.no": ("否", "No"),
    "common.open": ("查看", "Open"),
    "common.optional": ("选填", "optional"),
    "common.per_page": ("每页", "Per page"),
    "common.sort": ("排序", "Sort"),
    "common.back": ("返回", "Back"),
    "common.errors": ("请修改标出的内容后再提交。", "Please correct the marked fields."),
    # fields
    "field.number": ("工单编号", "Number"),
    "field.title": ("标题", "Title"),
    "field.text": ("诉求内容", "Report text"),
    "field.request_type": ("诉求类型", "Request type"),
    "field.channel": ("来源渠道", "Channel"),
    "field.urgency": ("紧急程度", "Urgency"),
    "field.category": ("分类", "Category"),
    "field.reporter_name": ("来电人", "Caller"),
    "field.reporter_phone": ("来电号码", "Caller phone"),
    "field.address": ("地址", "Address"),
    "field.area_code": ("区域编码", "Area code"),
    "field.point": ("地图位置", "Point on the map"),
    "field.status": ("状态", "Status"),
    "field.district": ("区", "District"),
    "field.lead_unit": ("承办单位", "Lead unit"),
    "field.co_units": ("协办单位", "Co-units"),
    "field.received_at": ("受理时间", "Received"),
    "field.due_at": ("当前时限", "Due"),
    "field.time_left": ("剩余时间", "Time left"),
    "field.supervised": ("督办", "Supervised"),
    "field.overdue": ("超期", "Overdue"),
    "field.triage_pending": ("智能分拣中", "Triage pending"),
    "field.triage_failed": ("智能分拣未完成，请人工判断", "Triage failed: decide by hand"),
    "field.reply": ("答复内容", "Reply"),
    "field.reason": ("原因", "Reason"),
    "field.note": ("说明", "Note"),
    "field.unit": ("承办单位编码", "Unit code"),
    "field.parent": ("主工单编号", "Parent case number"),
    "field.days": ("延期工作日", "Extra working days"),
    "field.satisfaction": ("满意度", "Satisfaction"),
    "field.solved": ("是否解决", "Solved"),
    "field.text_search": ("关键字或编号", "Text or number"),
    "field.deadlines": ("各环节时限", "Step deadlines"),
    "field.sign_due": ("签收时限", "Sign by"),
    "field.contact_due": ("联系时限", "Contact by"),
    "field.reply_due": ("办结时限", "Reply by"),
    "field.locate_method": ("定位方式", "Located by"),
    "field.grid": ("网格", "Grid"),
    "field.street": ("街镇", "Street"),
    "field.parent_case": ("并入主工单", "Merged into"),
    "field.triage": ("智能分析", "Triage"),
    "field.suggested_unit": ("建议承办单位", "Suggested unit"),
    "field.suggest_reason": ("理由", "Reason"),
    # intake
    "intake.title": ("接线受理", "Take a call"),
    "intake.hint": (
        "边听边录：输入内容时右侧会给出分类、紧急程度、区域和疑似重复工单的建议。",
        "Type while you listen; suggestions appear on the right.",
    ),
    "intake.submit": ("受理并生成工单", "Create the case"),
    "intake.answer": ("直接答复并办结（咨询类）", "Answer directly and close (inquiries)"),
    "intake.answer_hint": (
        "咨询类诉求可当场答复，填写答复内容后点击“直接答复并办结”。",
        "An inquiry can be answered on the spot: write the answer and choose answer directly.",
    ),
    "intake.created": ("已受理，工单编号 {number}", "Case {number} created"),
    "intake.closed": ("已直接答复并办结，工单编号 {number}", "Case {number} answered and closed"),
    "intake.suggestions": ("建议", "Suggestions"),
    "intake.no_suggestions": ("暂无建议", "No suggestions yet"),
    "intake.duplicates": ("疑似重复工单", "Possible duplicates"),
    "intake.area": ("可能的区域", "Possible area"),
    "intake.use": ("采用", "Use"),
    "intake.map_hint": ("点击地图选择位置（WGS-84）", "Click the map to set the point (WGS-84)"),
    "intake.clear_point": ("清除位置", "Clear point"),
    "intake.restored": ("已恢复未提交的接线内容。", "Your unsent call notes were restored."),
    "intake.discard": ("清空", "Discard"),
    "intake.choose": ("请选择", "Choose"),
    # queue and inbox
    "queue.title": ("派单队列", "Dispatch queue"),
    "queue.new": ("新工单", "New"),
    "queue.low_confidence": ("低置信度", "Low confidence"),
    "queue.returned": ("退单待审", "Returned"),
    "queue.cross_cutting": ("跨部门", "Cross-cutting"),
    "queue.dispatch": ("派单", "Dispatch"),
    "queue.keys": ("快捷键：j/k 上下移动，Enter 派单（使用建议单位）。", "Keys: j/k move, Enter dispatches."),
    "inbox.title": ("本单位待办", "Unit inbox"),
    "inbox.to_sign": ("待签收", "To sign"),
    "inbox.overdue": ("已超期", "Overdue"),
    "inbox.due_soon": ("24 小时内到期", "Due within a day"),
    "inbox.in_progress": ("办理中", "In progress"),
    "time.overdue_by": ("超期 {d}", "{d} overdue"),
    "time.left": ("剩 {d}", "{d} left"),
    "print.title": ("派单单", "Work order"),
    "print.heading": ("12345 市民服务热线派单单", "12345 hotline work order"),
    "print.print": ("打印", "Print"),
    "print.back": ("返回工单", "Back to the case"),
    "print.link": ("打印派单单", "Print work order"),
    "print.printed_at": ("打印时间", "Printed"),
    "print.dispatched_at": ("派单时间", "Dispatched"),
    "print.dispatch_note": ("派单说明", "Dispatch note"),
    "print.signed_by": ("签收人", "Signed by"),
    "print.signed_at": ("签收时间", "Signed at"),
    "print.result": ("办理结果", "Result"),
    "print.leader": ("承办单位负责人", "Head of unit"),
    "print.seal": ("单位盖章", "Unit seal"),
    "print.footer": (
        "请在时限内签收、先行联系并反馈办理结果；本单内容含个人信息，仅限办理使用。",
        "Sign, contact the citizen and reply within the limits; contains personal data, for handling only.",
    ),
    "common.export_xlsx": ("导出 Excel", "Export Excel"),
    "case.callback_pending": ("待回访", "callback pending"),
    "case.child_callback": ("回访本工单来电人", "Call this case's reporter back"),
    "case.child_callback_hint": (
        "本工单已随主工单结案；请回访本来电人并记录其评价（工单保持“已并单”）。",
        "Closed with its parent: call this reporter back and record the verdict (it stays merged).",
    ),
    "timeline.days": ("申请延期 {n} 个工作日", "{n} working days asked"),
    "queue.returned_at": ("于 {at} 退回", "returned it at {at}"),
    "confirm.cancel": ("确定作废此工单？作废后不可恢复。", "Cancel this case? This cannot be undone."),
    "confirm.return": ("确定退回此工单？请确认退单理由已写明。", "Return this case? Make sure the reason is written."),
    "confirm.close": ("确定结案？结案后工单不能再办理。", "Close this case? It cannot be handled after closing."),
    "time.hours": ("{n} 小时", "{n} h"),
    "time.days": ("{n} 天", "{n} days"),
    "time.none": ("—", "—"),
    # case page
    "case.title": ("工单 {number}", "Case {number}"),
    "case.timeline": ("处理过程", "Timeline"),
    "case.actions": ("可执行操作", "Actions"),
    "case.no_actions": ("当前状态下您没有可执行的操作。", "No action is open to you in this state."),
    "case.details": ("工单信息", "Details"),
    "case.reporter": ("来电人信息", "Caller"),
    "case.map": ("位置", "Location"),
    "case.done": ("操作已完成：{action}", "Done: {action}"),
    "case.linked": ("关联工单", "Linked cases"),
    "files.photos": ("办理照片（可选）", "Photos of the work (optional)"),
    # board
    "board.title": ("运行看板", "Operations board"),
    "board.open": ("在办工单", "Open cases"),
    "board.overdue": ("超期工单", "Overdue"),
    "board.received_today": ("今日受理", "Received today"),
    "board.closed_30d": ("近30日办结", "Closed (30 days)"),
    "board.satisfaction_30d": ("近30日满意率", "Satisfaction (30 days)"),
    "board.supervised_open": ("督办中", "Supervised"),
    "board.areas": ("下级区域", "Areas below"),
    "board.area": ("区域", "Area"),
    "board.trend": ("受理量趋势（近30日，含去年同期）", "Cases received per day (30 days, and a year before)"),
    "board.this_year": ("本期", "This year"),
    "board.last_year": ("去年同期", "A year before"),
    "board.yoy": ("同比", "Year on year"),
    "board.yoy_text": (
        "同比：近 {days} 天受理 {now} 件，去年同期 {then} 件，变化 {pct}。",
        "Year on year: {now} cases in the last {days} days, {then} in the same days a year before ({pct}).",
    ),
    "board.yoy_none": (
        "同比：近 {days} 天受理 {now} 件；去年同期没有数据，无法计算同比。",
        "Year on year: {now} cases in the last {days} days; no data for a year before, so no comparison.",
    ),
    "board.legend": ("在办工单数", "Open cases"),
    "board.overdue_units": ("超期最多的承办单位", "Units with most overdue cases"),
    "board.closing_units": ("近30日办结最多的单位", "Units closing most (30 days)"),
    "board.cases_here": ("本网格在办工单", "Open cases here"),
    "board.map": ("区域地图", "Map"),
    "board.count": ("数量", "Count"),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.403": ("您的角色无权进行此操作或查看此页面。", "Your role may not do this or see this page."),
    "error.csrf": ("表单已过期，未保存任何内容", "The form has expired; nothing was saved"),
    "error.csrf_hint": (
        "页面打开太久、在别的窗口重新登录过或退出过，表单的安全令牌已失效。请返回并刷新页面后重新提交。",
        "The page was open too long, or you logged in or out in another window. Go back, reload and submit again.",
    ),
    "error.404": ("找不到该页面或工单。", "Not found."),
    "error.409": ("该操作与工单当前状态不符。", "The action does not fit the case's state."),
    "error.422": ("输入有误。", "The input has problems."),
    "error.500": ("系统出错，未保存任何内容。", "Something went wrong on our side; nothing was saved."),
    "error.home": ("返回首页", "Home"),
}

#: Chinese messages for field problems raised by services (their English text is matched by prefix).
FIELD_MESSAGES: list[tuple[str, tuple[str, str]]] = [
    ("must not be empty", ("不能为空，请用文字描述问题", "must not be empty")),
    ("is required", ("必填", "required")),
    ("characters long; the limit", ("内容过长，请精简或改用附件", "too long")),
    ("contains only a phone number", ("只有电话号码，请描述问题，号码填在“来电号码”", "only a phone number")),
    ("has no words", ("没有文字内容（只有表情、数字或符号），请用文字描述问题", "has no words")),
    ("contains", ("含有控制字符，请删除后再提交", "contains control characters")),
    ("is not a phone number", ("不是有效的电话号码，例如 13812345678 或 021-12345678", "not a phone number")),
    ("give both lng and lat", ("经纬度须同时填写", "give both coordinates")),
    ("looks swapped", ("经纬度似乎填反了（经度在前，例如 121.47, 31.23）", "coordinates swapped")),
    ("is outside China", ("位置不在中国境内，请检查坐标", "outside China")),
    ("coordinates must be finite", ("坐标必须是有效数字", "bad coordinates")),
    ("unknown area", ("未知的区域编码", "unknown area code")),
    ("unknown category", ("未知的分类", "unknown category")),
    ("unknown value", ("取值无效", "unknown value")),
    ("no unit with code", ("没有该编码的单位", "no unit with that code")),
    ("no case numbered", ("没有该编号的工单", "no case with that number")),
    ("choose another case", ("不能并入自身，请选择其他工单", "choose another case")),
    ("must be between 1 and", ("须为 1 到 15 个工作日", "1 to 15 working days")),
]


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The label of `key` in `lang`; the key itself when missing (so gaps are visible, never a crash)."""
    pair = TEXT.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**params) if params else text


def layered(table: dict[str, tuple[str, str]], lang: str) -> Callable[..., str]:
    """t(key, **params) that reads a capability's own table first, then the console's."""

    def translate(key: str, **params: object) -> str:
        pair = table.get(key)
        if pair is None:
            return t(key, lang, **params)
        text = pair[0 if lang == "zh" else 1]
        return text.format(**params) if params else text

    return translate


def label(member: LabeledEnum | None, lang: str = DEFAULT_LANG) -> str:
    """The label of an enum member in `lang`."""
    return "" if member is None else member.label(lang)


def field_message(message: str, lang: str) -> str:
    """A service's field message in the console's language (Chinese when a known pattern matches)."""
    if lang != "zh":
        return message
    for fragment, pair in FIELD_MESSAGES:
        if fragment in message:
            return pair[0]
    return message


def pick_lang(raw: str | None) -> str:
    """A supported language from a query/cookie value."""
    return raw if raw in LANGS else DEFAULT_LANG
