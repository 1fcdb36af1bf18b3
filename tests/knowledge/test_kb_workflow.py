"""The review workflow through `gridloop kb`: drafts are not answered from until reviewed and published."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gridloop.cli import _register
from gridloop.cli import app as root


def _kb(*args: str):
    _register()
    return CliRunner().invoke(root, ["kb", *args])


def _draft(tmp_path: Path, db: str) -> str:
    src = tmp_path / "kb.jsonl"
    row = {"id": "kb-1", "title": "居住证如何续签？", "body": "居住证有效期满前三十日内到社区事务受理中心续签。"}
    src.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert _kb("import", str(src), "--format", "jsonl", "--draft", "--db", db).exit_code == 0
    return db


def test_a_draft_is_not_answered_from(tmp_path: Path, empty_db_url: str) -> None:
    db = _draft(tmp_path, empty_db_url)
    assert "no match" in _kb("search", "居住证续签", "--db", db).output


def test_a_reviewed_and_published_draft_is_answered_from(tmp_path: Path, empty_db_url: str) -> None:
    db = _draft(tmp_path, empty_db_url)
    _kb("search", "居住证续签", "--db", db)  # builds and caches the empty index
    assert _kb("review", "kb-1", "--db", db).output.strip() == "kb-1: reviewed"
    assert _kb("publish", "kb-1", "--db", db).output.strip() == "kb-1: published"
    assert "kb-1" in _kb("search", "居住证续签", "--db", db).output


def test_publishing_an_unreviewed_draft_is_refused(tmp_path: Path, empty_db_url: str) -> None:
    db = _draft(tmp_path, empty_db_url)
    result = _kb("publish", "kb-1", "--db", db)
    assert result.exit_code != 0 and "published" not in result.output


def test_a_withdrawn_article_disappears_from_search(tmp_path: Path, empty_db_url: str) -> None:
    db = _draft(tmp_path, empty_db_url)
    for verb in ("review", "publish"):
        _kb(verb, "kb-1", "--db", db)
    assert "kb-1" in _kb("search", "居住证续签", "--db", db).output
    _kb("withdraw", "kb-1", "--db", db)
    assert "no match" in _kb("search", "居住证续签", "--db", db).output


def test_versions_lists_status_and_validity(tmp_path: Path, empty_db_url: str) -> None:
    db = _draft(tmp_path, empty_db_url)
    assert _kb("versions", "kb-1", "--db", db).output.startswith("v1  草稿(draft)")
