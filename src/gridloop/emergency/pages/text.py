"""The emergency pages' one label table: key → (中文, English); anything else falls back to the console's table."""

from __future__ import annotations

from collections.abc import Callable

from gridloop.platform.web import i18n

TEXT: dict[str, tuple[str, str]] = {
    "em.title": ("应急管理", "Emergency management"),
    "em.tab.hazards": ("隐患台账", "Hazard register"),
    "em.tab.warnings": ("监测预警", "Warnings"),
    "em.tab.incidents": ("突发事件", "Incidents"),
    "em.tab.sensors": ("监测设备", "Sensors"),
    "em.sensors.title": ("监测设备", "Sensors"),
    "em.sensors.hint": (
        "每台设备对应一个站点的一项监测指标；读数经接口或消息队列批量接入，按预警规则研判。",
        "Each sensor is one metric of one station; readings arrive in batches over the API or "
        "the message stream and run through the alarm rules.",
    ),
    "em.sensors.none": ("暂无监测设备", "No sensors"),
    "em.sensors.register": ("登记设备", "Register a sensor"),
    "em.sensors.added": ("已登记设备 {station}", "Sensor {station} registered"),
    "em.sensors.active": ("在用", "Active"),
    "em.sensors.inactive": ("停用", "Switched off"),
    "em.field.station": ("站点编号", "Station ID"),
    "em.field.sensor_type": ("设备类型", "Type"),
    "em.field.metric": ("监测指标", "Metric"),
    "em.field.unit_of_measure": ("计量单位", "Unit"),
    "em.field.grid": ("网格编码", "Grid cell"),
    "em.field.lng": ("经度", "Longitude"),
    "em.field.lat": ("纬度", "Latitude"),
    "em.hazards.title": ("隐患台账", "Hazard register"),
    "em.hazards.risk_map": ("四色风险图", "Four-colour risk map"),
    "em.hazards.by_area": ("各区风险分布", "Risk per district"),
    "em.hazards.export": ("导出台账 CSV", "Export the register (CSV)"),
    "em.hazards.none": ("暂无隐患", "No hazards"),
    "em.field.number": ("编号", "Number"),
    "em.field.title": ("名称", "Title"),
    "em.field.category": ("类别", "Category"),
    "em.field.status": ("状态", "Status"),
    "em.field.colour": ("风险等级", "Risk"),
    "em.field.major": ("重大隐患", "Major"),
    "em.field.place": ("位置", "Place"),
    "em.field.deadline": ("整改时限", "Deadline"),
    "em.field.supervision": ("挂牌督办", "Supervised"),
    "em.field.owner": ("责任单位", "Owner unit"),
    "em.field.responsible": ("责任人", "Responsible person"),
    "em.field.measures": ("整改措施", "Measures"),
    "em.field.funds": ("整改资金（元）", "Funds (yuan)"),
    "em.field.interim": ("临时管控措施", "Interim controls"),
    "em.field.plan": ("应急预案", "Plan"),
    "em.field.lec": ("LEC 评价（L×E×C=D）", "LEC (L×E×C=D)"),
    "em.field.case": ("来源工单", "From case"),
    "em.field.unit": ("整改单位编码", "Rectifying unit code"),
    "em.field.workdays": ("整改期限（工作日）", "Working days to rectify"),
    "em.field.note": ("说明", "Note"),
    "em.field.action": ("操作", "Action"),
    "em.field.five": ("五落实缺项", "五落实 missing"),
    "em.field.history": ("处理记录", "History"),
    "em.act.submit": ("执行", "Do it"),
    "em.done": ("已完成：{action}", "Done: {action}"),
    "em.colour.red": ("红（重大风险）", "Red (major)"),
    "em.colour.orange": ("橙（较大风险）", "Orange (high)"),
    "em.colour.yellow": ("黄（一般风险）", "Yellow (general)"),
    "em.colour.blue": ("蓝（低风险）", "Blue (low)"),
    "em.colour.unassessed": ("未评估", "Not assessed"),
    "em.area": ("区域", "Area"),
    "em.total": ("合计", "Total"),
    "em.warnings.title": ("预警信息", "Warnings"),
    "em.warnings.active": ("生效中的预警", "Active warnings"),
    "em.warnings.recent": ("最近发布", "Recently sent"),
    "em.warnings.none": ("当前无生效预警", "No active warning"),
    "em.warnings.feed": ("CAP 订阅（Atom）", "CAP feed (Atom)"),
    "em.warnings.open_incident": ("启动应急响应", "Open an incident"),
    "em.field.sent": ("发布时间", "Sent"),
    "em.field.headline": ("标题", "Headline"),
    "em.field.level": ("级别", "Level"),
    "em.field.msg_type": ("类型", "Message"),
    "em.field.area": ("区域", "Area"),
    "em.field.value": ("监测值", "Value"),
    "em.incidents.title": ("突发事件", "Incidents"),
    "em.incidents.none": ("暂无突发事件", "No incidents"),
    "em.field.type": ("事件类型", "Type"),
    "em.field.grade": ("事件级别", "Grade"),
    "em.field.command_level": ("指挥层级", "Command level"),
    "em.field.commander": ("现场指挥", "Commander"),
    "em.field.sections": ("工作组", "Sections"),
    "em.field.found_at": ("发现", "Found"),
    "em.field.reported_at": ("报告", "Reported"),
    "em.field.warned_at": ("预警", "Warned"),
    "em.field.handled_at": ("处置", "Handled"),
    "em.four_early": ("四早（分钟）", "四早 (minutes)"),
    "em.minutes.report_minutes": ("发现→报告", "found → reported"),
    "em.minutes.warn_minutes": ("发现→预警", "found → warned"),
    "em.minutes.handle_minutes": ("发现→处置", "found → handled"),
    "em.tasks": ("任务", "Tasks"),
    "em.tasks.none": ("暂无任务", "No tasks"),
    "em.field.to": ("承担", "Given to"),
    "em.field.ack_due": ("签收时限", "Acknowledge by"),
    "em.field.escalated": ("超时升级", "Escalated"),
    "em.field.distance": ("距离（公里）", "Distance (km)"),
    "em.teams": ("应急队伍", "Response teams"),
    "em.teams.recommend": ("就近推荐", "Nearest first"),
    "em.field.skill": ("技能", "Skill"),
    "em.field.count": ("数量", "How many"),
    "em.teams.send": ("派出队伍", "Send teams"),
    "em.timeline": ("时间线", "Timeline"),
    "em.review": ("复盘总结", "After-action review"),
    "em.map": ("地图", "Map"),
    "level.community": ("村居", "Community"),
    "level.street": ("街镇", "Street/town"),
    "level.district": ("区", "District"),
    "level.city": ("市", "City"),
}


def translator(lang: str) -> Callable[..., str]:
    """t(key, **params) for the emergency pages: this table first, then the console's."""

    def t(key: str, **params: object) -> str:
        pair = TEXT.get(key)
        if pair is None:
            return i18n.t(key, lang, **params)
        text = pair[0] if lang == "zh" else pair[1]
        return text.format(**params) if params else text

    return t
