"""Words of the field pages (中文, English); the console's table answers the rest."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.platform.web import i18n

TEXT: dict[str, tuple[str, str]] = {
    "m.title": ("网格员", "Grid worker"),
    "m.tab.map": ("网格地图", "My grid"),
    "m.tab.report": ("上报", "Report"),
    "m.tab.tasks": ("巡查任务", "Patrols"),
    "m.tab.mine": ("我的上报", "My reports"),
    "m.online": ("在线", "Online"),
    "m.offline": ("离线：上报先存在手机上，联网后自动发送", "Offline: reports wait on the phone and go when online"),
    "m.pending": ("待发送 {n} 条", "{n} waiting to send"),
    "m.locate": ("定位", "Locate me"),
    "m.legend.case": ("未办结工单", "Open cases"),
    "m.legend.hazard": ("隐患", "Hazards"),
    "m.category": ("问题类别", "Category"),
    "m.text": ("看到了什么", "What you see"),
    "m.text.hint": ("例如：小区门口井盖缺失，有行人绊倒风险", "e.g. a manhole cover is missing at the gate"),
    "m.voice": ("语音输入", "Dictate"),
    "m.voice.listening": ("正在听…", "Listening…"),
    "m.address": ("地点说明", "Where"),
    "m.photos": ("现场照片", "Photos"),
    "m.take_photo": ("拍照 / 选照片", "Take or choose photos"),
    "m.position": ("位置", "Position"),
    "m.position.none": ("尚未获取位置", "No position yet"),
    "m.position.get": ("获取位置", "Get position"),
    "m.position.denied": ("无法获取位置（请允许定位）", "No position (allow location access)"),
    "m.position.got": ("已定位，精度约 {m} 米", "Located, about {m} m accuracy"),
    "m.on_spot": ("就地解决（小问题已当场处理）", "Resolved on the spot (minor matter handled now)"),
    "m.on_spot.reply": ("处理情况", "What was done"),
    "m.after_photos": ("处置后照片", "Photos after"),
    "m.submit": ("提交上报", "Send report"),
    "m.queued": ("已保存，联网后自动发送", "Saved; it goes when the network is back"),
    "m.sent": ("已发送：{number}", "Sent: {number}"),
    "m.failed": ("发送失败：{detail}", "Not sent: {detail}"),
    "m.need_text": ("请描述看到的问题", "Say what you see"),
    "m.login_again": ("登录已过期，请重新登录后自动发送", "Session expired: log in again and it will send"),
    "m.no_tasks": ("暂无巡查任务", "No patrol task"),
    "m.no_reports": ("还没有上报", "No report yet"),
    "m.checkin": ("打卡", "Check in"),
    "m.checked": ("已打卡", "Checked"),
    "m.photos_n": ("{n} 张照片", "{n} photos"),
    "m.on_spot_badge": ("就地解决", "Resolved on the spot"),
    "m.console": ("电脑版", "Desktop console"),
    "m.install": ("安装到手机桌面", "Install on the phone"),
    "patrol.title": ("巡查任务", "Patrol tasks"),
    "patrol.assign": ("派发巡查任务", "Assign a patrol task"),
    "patrol.assignee": ("网格员", "Grid worker"),
    "patrol.task_title": ("任务名称", "Task"),
    "patrol.checklist": ("检查项（每行一项）", "Checklist (one item per line)"),
    "patrol.note": ("说明", "Note"),
    "patrol.due": ("完成期限", "Due"),
    "patrol.submit": ("派发", "Assign"),
    "patrol.done": ("已派发：{title}", "Assigned: {title}"),
    "patrol.progress": ("进度", "Progress"),
    "patrol.last_checkin": ("最近打卡", "Last check-in"),
    "patrol.status.open": ("待巡查", "Open"),
    "patrol.status.done": ("已完成", "Done"),
    "patrol.status.cancelled": ("已取消", "Cancelled"),
    "patrol.none": ("暂无任务", "No task"),
}


def translator(lang: str) -> Callable[..., str]:
    """t(key, **params) for the field pages: this table first, then the console's."""
    return i18n.layered(TEXT, lang)
