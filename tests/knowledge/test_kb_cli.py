"""`gridloop kb import` and `gridloop kb search`: the exact options our checks call, and the output shape."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from gridloop.cli import _register
from gridloop.cli import app as root


def _invoke(args: list[str]):
    """`gridloop kb …` through the root app (which installs the container factory)."""
    _register()
    return CliRunner().invoke(root, ["kb", *args])


ROWS = [
    {
        "faq_id": "bj-1",
        "question": "北京市居住证如何办？",
        "answer": "通过北京市居住证微信公众号申领。",
        "handling_unit": "首都之窗",
    },
    {
        "faq_id": "bj-2",
        "question": "如何申请无犯罪记录证明？",
        "answer": "北京警务小程序申请。",
        "handling_unit": "公安局",
    },
]


def _csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS)
    return path


def _import(tmp_path: Path, db: str) -> str:
    args = ["import", str(_csv(tmp_path / "faq.csv")), "--format", "csv", "--id-col", "faq_id"]
    args += ["--title-col", "question", "--body-col", "answer", "--unit-col", "handling_unit", "--db", db]
    result = _invoke(args)
    assert result.exit_code == 0, result.output
    return db


def test_batch_search_writes_one_result_line_per_query_with_imported_ids(tmp_path: Path, empty_db_url: str) -> None:
    db = _import(tmp_path, empty_db_url)
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": 7, "query": "良民证怎么开"}\n{"id": "b", "query": "暂住证"}\n', encoding="utf-8")
    out = tmp_path / "r.jsonl"
    args = ["search", "--input", str(q), "--output", str(out), "--top", "1", "--db", db]
    result = _invoke(args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["id"], x["results"][0]["source_id"]) for x in lines] == [(7, "bj-2"), ("b", "bj-1")]


def test_a_result_carries_source_id_score_and_title(tmp_path: Path, empty_db_url: str) -> None:
    db = _import(tmp_path, empty_db_url)
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": 1, "query": "居住证"}\n', encoding="utf-8")
    out = tmp_path / "r.jsonl"
    _invoke(["search", "--input", str(q), "--output", str(out), "--db", db])
    first = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert set(first) == {"source_id", "score", "title"} and first["title"] == "北京市居住证如何办？"


def test_a_single_question_prints_a_ranked_list(tmp_path: Path, empty_db_url: str) -> None:
    db = _import(tmp_path, empty_db_url)
    result = _invoke(["search", "暂住证在哪办", "--db", db])
    assert result.output.splitlines()[0].split()[:2] == ["1.", "bj-1"], result.output


def test_reimporting_an_unchanged_file_adds_no_article_and_no_version(tmp_path: Path, empty_db_url: str) -> None:
    _import(tmp_path, empty_db_url)
    db = empty_db_url
    args = ["import", str(tmp_path / "faq.csv"), "--id-col", "faq_id", "--title-col", "question"]
    result = _invoke([*args, "--body-col", "answer", "--unit-col", "handling_unit", "--db", db])
    assert "0 new, 0 new versions, 2 unchanged" in result.output, result.output


def test_the_second_search_loads_the_saved_index_instead_of_rebuilding(
    tmp_path: Path, empty_db_url: str, monkeypatch
) -> None:
    db = _import(tmp_path, empty_db_url)
    assert _invoke(["search", "居住证", "--db", db]).exit_code == 0
    from gridloop.knowledge.adapters import lexical

    def no_build(*a, **k):
        raise AssertionError("index rebuilt although articles did not change")

    monkeypatch.setattr(lexical.LexicalIndex, "build", classmethod(no_build))
    result = _invoke(["search", "居住证", "--db", db])
    assert result.exit_code == 0, result.output


def test_a_changed_answer_becomes_a_new_version_and_search_sees_it(tmp_path: Path, empty_db_url: str) -> None:
    db = _import(tmp_path, empty_db_url)
    ROWS_CHANGED = [dict(ROWS[0], answer="现在请通过北京通APP申领居住证。"), ROWS[1]]
    with (tmp_path / "faq2.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS_CHANGED)
    args = ["import", str(tmp_path / "faq2.csv"), "--id-col", "faq_id", "--title-col", "question"]
    result = _invoke([*args, "--body-col", "answer", "--unit-col", "handling_unit", "--db", db])
    assert "1 new versions" in result.output, result.output
    assert _invoke(["search", "北京通APP", "--db", db]).output.split()[1] == "bj-1"


def test_an_expired_article_is_not_answered_from(tmp_path: Path, empty_db_url: str) -> None:
    faq = tmp_path / "tp.jsonl"
    rows = [
        {"id": "tp-1", "q": "溫泉季何時舉辦？", "a": "2015年溫泉季於11月舉辦。", "end": "2015-12-31 23:59"},
        {"id": "tp-2", "q": "溫泉季何時舉辦？", "a": "2026年溫泉季於11月舉辦。", "end": "2100-10-21 23:59"},
    ]
    faq.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    db = empty_db_url
    args = ["import", str(faq), "--format", "jsonl", "--id-col", "id", "--title-col", "q", "--body-col", "a"]
    assert _invoke([*args, "--expires-col", "end", "--db", db]).exit_code == 0
    out = _invoke(["search", "溫泉季", "--db", db]).output
    assert "tp-2" in out and "tp-1" not in out, out


def test_regulations_import_one_record_per_article(tmp_path: Path, empty_db_url: str) -> None:
    reg = tmp_path / "reg.jsonl"
    doc = {
        "doc_id": "sh-reg-0001",
        "title": "上海市测试条例",
        "issuer": "上海市人大常委会",
        "text": "## 第一章 总则\n\n第一条 为了测试，制定本条例。\n\n第二条 本条例适用于本市。",
    }
    reg.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    db = empty_db_url
    _invoke(["import", str(reg), "--format", "regulations", "--db", db])
    result = _invoke(["search", "适用于本市", "--db", db])
    assert "sh-reg-0001#第二条" in result.output.splitlines()[0], result.output


def test_a_single_question_shows_the_matched_passage_with_official_terms_marked(
    tmp_path: Path, empty_db_url: str
) -> None:
    db = _import(tmp_path, empty_db_url)
    lines = _invoke(["search", "暂住证", "--top", "1", "--db", db]).output.splitlines()
    assert "【居住证】" in lines[1], lines


def test_score_replies_writes_one_score_row_per_reply(tmp_path: Path) -> None:
    src = tmp_path / "replies.csv"
    cols = ["留言编号", "留言主题", "留言详情", "答复意见", "留言时间", "答复时间"]
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerow(
            [
                "1",
                "路灯坏了",
                "小区路灯坏了",
                "经现场核实，根据《城市照明管理规定》已修复。",
                "2019-04-01 08:00:00",
                "2019-04-03 08:00:00",
            ]
        )
    out = tmp_path / "scores.csv"
    result = _invoke(["score-replies", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (len(rows), rows[0]["留言编号"], rows[0]["timeliness"]) == (1, "1", "1.0")


def test_score_replies_names_a_missing_column(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("留言编号,答复意见\n1,好\n", encoding="utf-8")
    result = _invoke(["score-replies", str(src)])
    assert result.exit_code != 0


def test_an_older_version_of_a_regulation_is_not_answered_from(tmp_path: Path, empty_db_url: str) -> None:
    reg = tmp_path / "reg.jsonl"
    docs = [
        {
            "doc_id": "sh-reg-0027",
            "title": "上海市住宅物业管理规定",
            "version_date": "2010-12-23",
            "text": "第一条 专项维修资金由业主交纳（旧）。",
        },
        {
            "doc_id": "sh-reg-0028",
            "title": "上海市住宅物业管理规定",
            "version_date": "2020-12-30",
            "text": "第一条 专项维修资金由业主交纳（新）。",
        },
    ]
    reg.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    _invoke(["import", str(reg), "--format", "regulations", "--db", empty_db_url])
    out = _invoke(["search", "专项维修资金", "--db", empty_db_url]).output
    assert "sh-reg-0028#第一条" in out and "sh-reg-0027" not in out, out


def test_import_embeds_the_new_articles_and_kb_embed_then_finds_nothing_left(tmp_path: Path, empty_db_url: str) -> None:
    args = ["import", str(_csv(tmp_path / "faq.csv")), "--id-col", "faq_id", "--title-col", "question"]
    imported = _invoke([*args, "--body-col", "answer", "--db", empty_db_url])
    again = _invoke(["embed", "--db", empty_db_url])
    assert ("embedded 4 article texts" in imported.output, again.output.startswith("embedded 0")) == (True, True), (
        imported.output + again.output
    )


def test_import_with_no_embed_leaves_the_vectors_to_kb_embed(tmp_path: Path, empty_db_url: str) -> None:
    args = ["import", str(_csv(tmp_path / "faq.csv")), "--id-col", "faq_id", "--title-col", "question"]
    imported = _invoke([*args, "--body-col", "answer", "--no-embed", "--db", empty_db_url])
    later = _invoke(["embed", "--db", empty_db_url])
    assert ("embedded" not in imported.output, later.output.startswith("embedded 4")) == (True, True), (
        imported.output + later.output
    )
