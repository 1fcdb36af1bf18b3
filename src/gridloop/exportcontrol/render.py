"""The answer as text for people (Chinese first, English after): used by the CLI's default output."""

from __future__ import annotations

from typing import Any

YES_NO = {True: "是 yes", False: "否 no", None: "待定 undetermined"}
PRESUMPTION = {
    "deny": "原则上不予许可 deny",
    "case_by_case": "逐案审批 case-by-case",
    "standard": "一般审查 standard",
    "exempt": "豁免 exempt",
    None: "—",
}
STATUS = {
    "active": "有效 active",
    "suspended": "暂停 suspended",
    "not_yet_effective": "尚未生效 not yet effective",
    "unconfirmed": "暂停期满后未确认 unconfirmed",
}


def _cite(c: dict[str, str]) -> str:
    annex = f", {c['annex_item']}" if c.get("annex_item") else ""
    return f"{c['announcement']} {c['article']}{annex}"


def _overall(answer: dict[str, Any]) -> str:
    needed = answer["licence_required_any"]
    text = {True: "需要许可 licence required", False: "无需许可 no licence required", None: "尚无法确定 undetermined"}
    cond = "（有条件，见数据缺口 conditional: see data gaps）" if answer["conditional"] else ""
    return f"{text[needed]}{cond}"


def render_text(answer: dict[str, Any]) -> str:
    """A readable, bilingual report of one screening answer."""
    d = answer["disclaimer"]
    out = [
        f"出口管制筛查（稀土）Export-control screening — {d['zh']} {d['en']}",
        f"参考号 reference: {answer.get('reference') or '—'}   出口日期 export date: {answer['export_date']}"
        + (f"   记录 screening #{answer['screening_id']}" if answer.get("screening_id") else ""),
        f"结论 overall: {_overall(answer)}",
        "",
    ]
    for r in answer["regimes"]:
        head = f"[{r['regime']}] {r['citation']['zh']} — {r['title_zh']} / {r['title_en']}"
        status = f"{STATUS[r['status']]} — {r['status_basis_en']}"
        if r["applies"] is False:
            out.append(f"{head}\n  不适用 not applicable · 状态 status: {status}")
            continue
        out.append(head)
        out.append(f"  状态 status: {status}")
        resumed = ""
        if r["licence_required_if_resumed"] is not None:
            resumed = f" (若恢复实施 if resumed: {YES_NO[r['licence_required_if_resumed']]})"
        out.append(
            f"  适用 applies: {YES_NO[r['applies']]} · 需许可 licence: {YES_NO[r['licence_required']]}{resumed}"
            f" · 审查 presumption: {PRESUMPTION[r['presumption']]}"
        )
        for rule in r["triggered_rules"]:
            out.append(f"  规则 {rule['rule']}: {rule['zh']} / {rule['en']} ({_cite(rule['citation'])})")
        for ob in r["obligations"]:
            due = f" 截止 due {ob['due']}" if ob["due"] else ""
            cond = " [有条件 conditional]" if ob["conditional"] else ""
            out.append(f"  义务 {ob['code']}: {ob['zh']}{due}{cond} ({_cite(ob['citation'])})")
        for gap in r["data_gaps"]:
            out.append(f"  缺口 gap {gap['field']}: {gap['zh']} / {gap['en']}")
    ratio = answer["computed_ratio"]
    out.append("")
    if ratio["ratio"] is None:
        out.append("中国成分占比 de-minimis ratio: 无法计算 not computable (见数据缺口 see data gaps)")
    else:
        meets = YES_NO[ratio["meets_threshold"]]
        out.append(
            f"中国成分占比 de-minimis ratio: {ratio['ratio_percent']} % = "
            f"{ratio['numerator']} / {ratio['denominator']} {ratio['currency']} "
            f"(计价基础 basis {ratio['valuation']['basis']}); ≥ 0.1 %: {meets}"
        )
    for s in answer["settings"]["after_suspension"]:
        who = f", 确认人 confirmed by {s['confirmed_by']} {s['confirmed_at']}" if s["confirmed_by"] else ""
        out.append(f"管理员设置 setting after_suspension.{s['suspension_id']} = {s['value']}{who}")
    out.append(f"工作日历 calendar: {answer['settings']['calendar']}")
    lists = ", ".join(f"{x['list_zh']} {x['as_of']} ({x['entries']})" for x in answer["lists_used"]) or "无 none"
    out.append(f"名单快照 list snapshots: {lists}")
    if answer["data_gaps"]:
        out.append(f"数据缺口 data gaps ({len(answer['data_gaps'])}):")
        out.extend(f"  - {g['field']}: {g['zh']} / {g['en']}" for g in answer["data_gaps"])
    out.append(f"{d['zh']} {d['en']}")
    return "\n".join(out)
