"""`gridloop hot` (hot issues, the two Teddy Cup tables) and `gridloop triage` (batch triage of JSONL)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.platform.cli.common import DbOption
from gridloop.triage.services.hotspots import issues_as_dict


def _day(raw: str | None, *, end: bool) -> datetime | None:
    if not raw:
        return None
    try:
        d = datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"not a date: {raw!r} (use YYYY-MM-DD)") from None
    if len(raw) <= 10:
        d = datetime.combine(d.date(), time.max if end else time.min)
    return d


def hot_cmd(
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many hot issues.")] = 5,
    data: Annotated[Path | None, typer.Option("--data", help="A hot_issues.csv-style file instead of the DB.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Also write both tables as CSV here.")] = None,
    db: DbOption = None,
) -> None:
    """Rank hot issues (热点问题) in a time window and print the ranking and the member messages."""
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
    from gridloop.triage.domain.duplicates import DuplicatePolicy
    from gridloop.triage.services.hotspots import find_hot_issues

    start, end = _day(date_from, end=False), _day(date_to, end=True)
    if data is not None:
        from gridloop.triage.adapters.teddy import read_hot_messages

        if not data.is_file():
            raise typer.BadParameter(f"no such file: {data}", param_hint="--data")
        try:
            messages = read_hot_messages(data)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--data") from None
    else:
        from gridloop.triage.cli.model import _session
        from gridloop.triage.services.hotspots import load_case_messages

        with _session(db) as s:
            messages = load_case_messages(s, start=start, end=end)
    inside = [m for m in messages if (start is None or m.when >= start) and (end is None or m.when <= end)]
    index = DuplicateIndex(
        SketchVectorizer(documents([(m.title, m.text) for m in inside])),
        policy=DuplicatePolicy(window_hours=60 * 24),
    )
    issues = find_hot_issues(inside, index=index, top=top)
    tables = issues_as_dict(issues)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, rows in tables.items():
            with (out_dir / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["问题ID"])
                w.writeheader()
                w.writerows(rows)
    if as_json:
        typer.echo(json.dumps(tables, ensure_ascii=False, indent=2))
        return
    _print_tables(tables, len(inside))


def _print_tables(tables: dict[str, list[dict[str, Any]]], n: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"热点问题表 (from {n} messages)")
    for col in (
        "热度排名",
        "问题ID",
        "热度指数",
        "时间范围",
        "地点/人群",
        "问题描述",
        "留言数",
        "留言用户数",
    ):
        t.add_column(col)
    for r in tables["热点问题表"]:
        t.add_row(*[str(r[c]) for c in r])
    console.print(t)
    d = Table(title="热点问题留言明细表")
    for col in ("问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "点赞数", "反对数"):
        d.add_column(col)
    for r in tables["热点问题留言明细表"]:
        d.add_row(
            *[str(r[c])[:40] for c in ("问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "点赞数", "反对数")]
        )
    console.print(d)


def register(app: typer.Typer) -> None:
    """Attach `gridloop hot` and `gridloop triage`."""
    app.command("hot")(hot_cmd)
    from gridloop.triage.cli.batch import triage_cmd

    app.command("triage")(triage_cmd)
