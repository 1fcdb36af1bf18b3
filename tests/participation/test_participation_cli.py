"""`gridloop participation`: create and open a campaign, import a CSV, cluster, answer a theme, statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from participation_factories import seed_owner, suggestion_texts
from typer.testing import CliRunner

from gridloop.cli import _register
from gridloop.cli import app as root_app


def test_cli_runs_a_campaign_from_csv_to_statistics(db_url: str, container: Any, tmp_path: Path) -> None:
    seed_owner(container)
    _register()
    run = CliRunner().invoke
    args = ["--from", "2026-11-01", "--to", "2026-12-31", "--channel", "letter", "--channel", "web", "--open"]
    out = run(root_app, ["participation", "create", "P1", "测试征集", "--as", "jy_staff", *args, "--db", db_url])
    assert out.exit_code == 0 and "征集中" in out.output, out.output
    cid = out.output.split()[1]
    csv_path = tmp_path / "s.csv"
    rows = "\n".join(f"{t},letter" for _, t in suggestion_texts(24))
    csv_path.write_text("text,channel\n" + rows.replace("，", "、") + "\n", encoding="utf-8")
    out = run(root_app, ["participation", "import", cid, str(csv_path), "--db", db_url])
    assert out.exit_code == 0 and "24 suggestions" in out.output, out.output
    out = run(root_app, ["participation", "cluster", cid, "--as", "jy_staff", "--k", "4", "--db", db_url])
    assert out.exit_code == 0 and "4 themes" in out.output, out.output
    theme_id = next(line.split()[0] for line in out.output.splitlines() if line.startswith("  "))
    out = run(root_app, ["participation", "answer-theme", theme_id, "adopted", "--as", "jy_staff", "--db", db_url])
    assert out.exit_code == 0 and "采纳" in out.output, out.output
    out = run(root_app, ["participation", "stats", cid, "--db", db_url])
    assert json.loads(out.output)["campaign"]["adopted"] >= 1
