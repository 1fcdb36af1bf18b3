"""The printable after-action report (A4 PDF) with reportlab; Chinese in its built-in CID font STSong-Light."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
OUTCOME_COLOURS = {"on_time": colors.HexColor("#16a34a"), "late": colors.HexColor("#d97706"),
                   "missed": colors.HexColor("#dc2626")}  # fmt: skip


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _chart(chart: list[dict[str, Any]], width: float) -> Drawing:
    """Target windows as bars, completion times as dots, one row per expected action."""
    font = _font()
    rows = max(1, len(chart))
    height = 20 + rows * 16
    d = Drawing(width, height)
    end = max([c["target"][1] for c in chart] + [c["done"] or 0 for c in chart] + [1.0])
    left, right = 150.0, width - 10
    scale = (right - left) / end
    for i, c in enumerate(chart):
        y = height - 20 - i * 16
        d.add(String(0, y + 2, c["name"][:22], fontName=font, fontSize=7))
        x0, x1 = left + c["target"][0] * scale, left + c["target"][1] * scale
        d.add(Rect(x0, y, max(2.0, x1 - x0), 8, fillColor=colors.HexColor("#bfdbfe"), strokeColor=None))
        if c["done"] is not None:
            x = left + c["done"] * scale
            d.add(Rect(x - 3, y + 1, 6, 6, fillColor=OUTCOME_COLOURS[c["outcome"]], strokeColor=None))
    d.add(Line(left, 8, right, 8, strokeColor=colors.grey))
    d.add(String(left, 0, "0", fontName=font, fontSize=7))
    d.add(String(right - 30, 0, f"{end:.0f} 分钟", fontName=font, fontSize=7))
    return d


def pdf_bytes(data: dict[str, Any]) -> bytes:
    """The report as PDF bytes."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)
    banner = ParagraphStyle("banner", fontName=font, fontSize=10, leading=14, textColor=colors.white,
                            backColor=colors.HexColor("#b45309"), borderPadding=4)  # fmt: skip
    run, sc = data["run"], data["scenario"]
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"【演练】{sc['title']} 演练评估报告")  # fmt: skip

    def esc(text: object) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Any] = [
        Paragraph(f"【{data['label']}】本报告为演练数据，不计入真实业务统计", banner), Spacer(1, 6),
        Paragraph(esc(f"演练评估报告：{sc['title']}"), h1),
        Paragraph(esc(f"运行 #{run['id']} · {run['mode_zh']} · {run['status_zh']} · 开始 {run['started_at']}"
                      f" · 结束 {run['ended_at'] or '—'} · 想定 {sc['id']} v{sc['version']}"), body),
        Paragraph(esc(f"总分 {data['score']:.1f} 分 · {data['conclusion']} · 按时 {data['counts']['on_time']}"
                      f" · 超时 {data['counts']['late']} · 未完成 {data['counts']['missed']}"), h2),
        Paragraph(esc(sc["summary"]), body),
        Paragraph("时间线（蓝条：目标时段；圆点：完成时刻）", h2),
        _chart(data["chart"], doc.width),
        Paragraph("预期行动与完成情况", h2),
    ]  # fmt: skip
    rows = [["角色", "预期行动", "目标", "完成于", "用时", "结果", "得分"]]
    for i in data["actions"]:
        rows.append([
            Paragraph(esc(i["role_name"]), body), Paragraph(esc(i["title"]), body), f"{i['target_minutes']:g}",
            "" if i["done_minutes"] is None else f"{i['done_minutes']:.1f}",
            "" if i["elapsed_minutes"] is None else f"{i['elapsed_minutes']:.1f}", i["outcome_zh"],
            f"{i['points']:g}/{i['weight']:g}",
        ])  # fmt: skip
    table = Table(rows, colWidths=[28 * mm, 62 * mm, 14 * mm, 18 * mm, 14 * mm, 16 * mm, 18 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    story += [table, Paragraph("发现与改进建议", h2)]
    findings = data["findings"] or [{"title": "全部预期行动按时完成", "outcome_zh": "", "finding": ""}]
    for f in findings:
        story.append(Paragraph(esc(f"· {f['title']}（{f['outcome_zh']}）{f['finding']}"), body))
    doc.build(story)
    return out.getvalue()
