"""The after-action report (演练评估报告): the run, its score per expected action, findings, a timeline; as data,
as HTML (one file, the timeline drawn with the vendored echarts) and as a printable PDF (adapters/report_pdf)."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from gridloop.drills.adapters.report_pdf import pdf_bytes
from gridloop.drills.domain.actions import ACTIONS, INJECT_KINDS
from gridloop.drills.domain.scoring import OUTCOME_LABELS
from gridloop.drills.services import runs, scoring

TZ = ZoneInfo("Asia/Shanghai")
LABEL = "演练"


def _local(value: datetime | None) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def report_data(session: Session, run_id: int) -> dict[str, Any]:
    """Everything the report shows, as plain data (the score is the run's final one once it has ended)."""
    run = runs.get_run(session, run_id)
    scenario = runs.scenario_of(run)
    result = scoring.summary(session, run)
    roles = {r.id: r.name for r in scenario.roles}
    items = []
    for it in result["items"]:
        kind = ACTIONS[it["action"]]
        finding = scenario.findings.get(it["id"], "") if it["outcome"] != "on_time" else ""
        items.append({**it, "action_zh": kind.zh, "role_name": roles.get(it["role"], it["role"]),
                      "outcome_zh": OUTCOME_LABELS[it["outcome"]][0], "finding": finding})  # fmt: skip
    observed = sorted(scoring.observations(session, run), key=lambda o: o.minutes)
    timeline = [
        {"minutes": e.sim_minutes, "kind": "inject", "label": e.text, "what": INJECT_KINDS.get(e.data.get("kind", ""),
         ("", ""))[0], "detail": e.data.get("case_number") or ", ".join(e.data.get("warnings", []))}
        for e in runs.events(session, run.id) if e.kind == "inject"
    ] + [
        {"minutes": o.minutes, "kind": "action", "label": ACTIONS[o.action].zh, "what": o.actor,
         "detail": o.subject or o.detail}
        for o in observed
    ]  # fmt: skip
    timeline.sort(key=lambda t: (t["minutes"], t["kind"]))
    chart = [
        {"name": f"{i['role_name']}：{i['title']}", "target": [i["reference_minutes"], i["reference_minutes"]
         + i["target_minutes"]], "done": i["done_minutes"], "outcome": i["outcome"]}
        for i in items
    ]  # fmt: skip
    return {
        "label": LABEL, "run": {"id": run.id, "mode": run.mode, "mode_zh": runs.MODES[run.mode][0],
        "status_zh": runs.STATUSES[run.status][0], "auto": run.auto, "started_at": _local(run.started_at),
        "ended_at": _local(run.ended_at), "started_by": run.started_by, "participants": run.participants},
        "scenario": {"id": scenario.id, "version": scenario.version, "title": scenario.title,
                     "summary": scenario.summary, "roles": [{"id": r.id, "name": r.name} for r in scenario.roles]},
        "score": result["score"], "conclusion": result["conclusion"], "counts": result["counts"], "actions": items,
        "findings": [i for i in items if i["finding"]], "timeline": timeline, "chart": chart,
        "injects": [{"id": i.id, "at": i.at_minutes, "title": i.title} for i in scenario.timeline()],
    }  # fmt: skip


def _env() -> Environment:
    return Environment(loader=PackageLoader("gridloop.drills", "templates"), autoescape=select_autoescape())


def _static_js(name: str) -> str:
    return resources.files("gridloop.platform.web").joinpath(f"static/{name}").read_text("utf-8")


def echarts_js() -> str:
    """The vendored echarts (inlined in the exported HTML so the file works offline)."""
    return _static_js("vendor/echarts/echarts.min.js")


def render_html(data: dict[str, Any], *, inline_js: bool = True) -> str:
    """The report as one HTML document (for `drill report --format html` and the download link); the chart script is
    the console's own `static/drills.js`, inlined."""
    script = echarts_js() if inline_js else ""
    return (
        _env()
        .get_template("drill_report_doc.html")
        .render(d=data, echarts_inline=script, chart_js=_static_js("drills.js"), inline=inline_js)
    )


def render_pdf(data: dict[str, Any]) -> bytes:
    """The printable PDF (A4, Chinese in the built-in STSong-Light CID font)."""
    return pdf_bytes(data)
