import csv
import json
from datetime import datetime, timedelta

import typer
from typer.testing import CliRunner

from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer
from gridloop.triage.domain.hotspots import HeatInputs, common_place, growth_ratio, heat_index, shared_name
from gridloop.triage.services.hotspots import Message, find_hot_issues

T0 = datetime(2019, 7, 1, 9)


def _msgs():
    out = []
    for i in range(6):
        out.append(
            Message(
                f"a{i}",
                f"u{i}",
                f"投诉伊景园滨河苑捆绑销售车位{i}",
                "伊景园滨河苑开发商强制捆绑销售车位，每户12万，不买车位不能网签购房合同",
                T0 + timedelta(days=i),
            )
        )
    out.append(Message("b0", "u9", "某路口红绿灯坏了", "路口红绿灯坏了一周", T0, likes=3))
    out.append(Message("c0", "u8", "某小学收费", "小学违规收取补课费", T0))
    return out


def test_cluster_of_many_reporters_ranks_first_with_place_name():
    issues = find_hot_issues(_msgs(), index=DuplicateIndex(SketchVectorizer()), top=2)
    assert "景园滨河苑" in issues[0].place
    assert len(issues[0].members) == 6 and issues[0].reporters == 6


def test_time_window_excludes_messages_outside():
    issues = find_hot_issues(_msgs(), index=DuplicateIndex(SketchVectorizer()), start=T0 + timedelta(days=4))
    assert max(len(h.members) for h in issues) == 2


def test_many_reporters_outrank_one_reporter_posting_often():
    base = dict(likes=0, dislikes=0, first=T0, last=T0 + timedelta(days=7), growth=1.0)
    assert heat_index(HeatInputs(reports=10, reporters=10, **base)) > heat_index(
        HeatInputs(reports=10, reporters=1, **base)
    )


def test_growth_ratio_counts_later_half():
    times = [T0, T0 + timedelta(days=8), T0 + timedelta(days=9), T0 + timedelta(days=10)]
    assert growth_ratio(times) == 3.0


def test_common_place_strips_admin_prefix():
    assert common_place(["A2区丽发新城附近搅拌站扰民", "丽发新城小区搅拌站", "投诉丽发新城搅拌站噪音"]).startswith(
        "丽发新城"
    )


def test_shared_name_ignores_stock_phrases():
    assert shared_name("请问A市58车贷案进展", "严惩58车贷案保护伞") == "58车贷案"
    assert shared_name("关于问题的反映", "关于问题的投诉") == ""


def test_hot_cli_prints_teddy_tables_from_csv(tmp_path):
    from gridloop.triage.cli import triage as triage_cli

    path = tmp_path / "hot.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
        for m in _msgs():
            w.writerow([m.key, m.user, m.title, f"{m.when:%Y-%m-%d %H:%M:%S}", m.text, m.likes, m.dislikes])
    app = typer.Typer()
    app.command("hot")(triage_cli.hot_cmd)
    app.command("other")(lambda: None)
    res = CliRunner().invoke(
        app,
        ["hot", "--data", str(path), "--from", "2019-07-01", "--to", "2019-07-31", "--top", "2", "--json"],
    )
    assert res.exit_code == 0, res.output
    tables = json.loads(res.output)
    assert "景园滨河苑" in tables["热点问题表"][0]["地点/人群"]
    assert {r["问题ID"] for r in tables["热点问题留言明细表"]} == {1, 2}


def test_hot_cli_rejects_bad_date(tmp_path):
    from gridloop.triage.cli import triage as triage_cli

    app = typer.Typer()
    app.command("hot")(triage_cli.hot_cmd)
    app.command("other")(lambda: None)
    res = CliRunner().invoke(app, ["hot", "--data", str(tmp_path / "x.csv"), "--from", "yesterday"])
    assert res.exit_code != 0
