"""Knowledge console pages: editors' list, versions, workflow buttons, diff, import/export, expiry alerts, gaps;
the intake form's answer-directly path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.services.search import import_articles
from gridloop.platform.db.outbox import OutboxRow
from tests.web_helpers import csrf_of, login, post_form


@pytest.fixture
def seeded(container, clock):  # type: ignore[no-untyped-def]
    items = [
        ImportItem("bj-1", "北京市居住证如何办理？", "您好。您可以通过北京市居住证微信公众号申领居住证。", "市公安局"),
        ImportItem("tp-9", "温泉季活动什么时候举办？", "温泉季于十月举办。", "观光局", expires_on=date(2026, 12, 10)),
    ]
    import_articles(items, uow=container.uow, now=clock.now())
    return container


def test_an_operator_may_not_open_the_editor_pages(app_client, seeded) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "operator")
    assert app_client.get("/kb/articles").status_code == 403


def test_the_editor_creates_reviews_and_publishes_a_new_article(app_client, seeded, as_user) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "kb_editor")
    bad = post_form(
        app_client,
        "/kb/articles/new",
        {"source_id": "a b", "title": "", "body": "x", "expires_on": "2026-13-01"},
        from_page="/kb/articles/new",
    )
    assert bad.status_code == 422
    assert 'name="title" value="" aria-invalid="true"' in bad.text and "必填" in bad.text and "日期格式" in bad.text
    data = {
        "source_id": "kb-new-1",
        "title": "养犬登记证怎么办理",
        "body": "携带身份证到所在区公安分局办理。",
        "department": "市公安局",
    }
    r = post_form(app_client, "/kb/articles/new", data, from_page="/kb/articles/new")
    assert r.status_code == 303 and r.headers["location"] == "/kb/articles/kb-new-1"
    page = app_client.get("/kb/articles/kb-new-1").text
    assert "草稿" in page and 'value="review"' in page and 'value="publish"' not in page
    for action in ("review", "publish"):
        r = post_form(
            app_client, "/kb/articles/kb-new-1/act", {"action": action, "number": 1}, from_page="/kb/articles/kb-new-1"
        )
        assert r.status_code == 303
    assert "已发布" in app_client.get("/kb/articles/kb-new-1").text
    hits = as_user("operator").get("/api/v1/kb/suggest", params={"q": "狗证怎么办理"}).json()["suggestions"]
    assert "kb-new-1" in [h["source_id"] for h in hits]


def test_an_edit_is_a_new_version_and_its_diff_is_shown(app_client, seeded, as_user) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "admin")
    form = app_client.get("/kb/articles/bj-1/edit").text
    assert "微信公众号" in form
    data = {
        "title": "北京市居住证如何办理？",
        "body": "您好。请通过北京市居住证微信公众号或派出所窗口申领居住证。",
        "department": "市公安局",
    }
    r = post_form(app_client, "/kb/articles/bj-1/edit", data, from_page="/kb/articles/bj-1/edit")
    assert r.status_code == 303
    page = app_client.get("/kb/articles/bj-1").text
    assert 'id="v2"' in page and 'id="kb-current">版本 1' in page.replace("\n", "")
    diff = app_client.get("/kb/articles/bj-1/diff", params={"old": 1, "new": 2}).text
    assert 'class="kb-added">+ 请通过北京市居住证微信公众号或派出所窗口申领居住证。' in diff
    assert 'class="kb-removed">− 您可以通过北京市居住证微信公众号申领居住证。' in diff
    # publishing version 2 (review → publish) makes it the answered version; version 1 expires by the table
    for action in ("review", "publish"):
        post_form(app_client, "/kb/articles/bj-1/act", {"action": action, "number": 2}, from_page="/kb/articles/bj-1")
    assert as_user("operator").get("/api/v1/kb/articles/bj-1").json()["version"] == 2
    refused = post_form(
        app_client, "/kb/articles/bj-1/act", {"action": "publish", "number": 1}, from_page="/kb/articles/bj-1"
    )
    assert refused.status_code == 303 and "cannot publish" in app_client.get("/kb/articles/bj-1").text


def test_the_list_filters_by_department_status_and_validity(app_client, seeded) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "kb_editor")
    page = app_client.get("/kb/articles", params={"department": "观光局"}).text
    assert "tp-9" in page and "bj-1" not in page
    assert "tp-9" not in app_client.get("/kb/articles", params={"valid_on": "2027-01-01"}).text
    bad = app_client.get("/kb/articles", params={"valid_on": "soon"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


def test_expiry_alerts_go_through_the_outbox_once(app_client, seeded) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "kb_editor")
    assert "tp-9" in app_client.get("/kb/expiring", params={"days": 30}).text
    for _ in range(2):
        post_form(app_client, "/kb/expiring/alerts", {"days": 30}, from_page="/kb/expiring")
    with seeded.uow() as uow:
        rows = [r for r in uow.session.scalars(select(OutboxRow)) if "kb_expiry" in (r.topic or "")]
    assert len(rows) == 1


def test_import_dry_run_lists_row_errors_and_import_stores_drafts(app_client, seeded) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "kb_editor")
    csv_text = "faq_id,question,answer,unit\nq1,问题一,答案一,局A\n,问题二,答案二,局A\nq3,问题三,,局B\n"
    mapping = {
        "format": "csv",
        "map_id": "faq_id",
        "map_title": "question",
        "map_body": "answer",
        "map_department": "unit",
    }
    token = csrf_of(app_client.get("/kb/import").text)
    files = {"file": ("faq.csv", csv_text.encode(), "text/csv")}
    dry = app_client.post("/kb/import", data={**mapping, "csrf": token, "mode": "dry"}, files=files)
    assert "读取 3 行：可导入 1 行，错误 2 行" in dry.text and "编号为空" in dry.text
    bad_map = app_client.post(
        "/kb/import", data={**mapping, "map_body": "nope", "csrf": token, "mode": "dry"}, files=files
    )
    assert bad_map.status_code == 422 and "文件中没有列" in bad_map.text
    done = app_client.post("/kb/import", data={**mapping, "csrf": token, "mode": "import"}, files=files)
    assert "新增 1 篇" in done.text
    assert "草稿" in app_client.get("/kb/articles/q1").text
    export = app_client.get("/kb/export", params={"format": "csv"})
    assert export.headers["content-type"].startswith("text/csv") and "q1,1,draft,问题一" in export.text


def test_answer_directly_from_the_intake_form(app_client, seeded) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "operator")
    intake = app_client.get("/intake").text
    assert 'id="kb-suggest"' in intake and "kb_suggest.js" in intake
    form = {"text": "暂住证怎么续办", "channel": "phone", "request_type": "complaint", "reply": "可通过公众号续办。"}
    missing = post_form(app_client, "/kb/intake/answer", form, from_page="/intake")
    assert missing.status_code == 422 and "请先在知识库建议中选择一篇文章" in missing.text
    r = post_form(
        app_client, "/kb/intake/answer", {**form, "kb_source_id": "bj-1", "kb_version": "1"}, from_page="/intake"
    )
    assert r.status_code == 303, r.text[:300]
    page = app_client.get(r.headers["location"]).text
    assert "已依据知识库直接答复并办结" in page


def test_the_gaps_report_page_and_csv(app_client, seeded, as_user) -> None:  # type: ignore[no-untyped-def]
    as_user("operator").post("/api/v1/kb/gaps", json={"query": "公租房摇号结果哪里查", "department": "住房保障"})
    login(app_client, "kb_editor")
    page = app_client.get("/kb/gaps").text
    assert "公租房摇号结果哪里查" in page and "住房保障" in page
    assert "公租房摇号结果哪里查" in app_client.get("/kb/gaps.csv").text


def test_the_expiry_alerts_command_queues_each_alert_once(seeded, db_url, clock) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gridloop.cli import _register, app

    _register()
    runner = CliRunner()
    first = runner.invoke(app, ["kb", "expiry-alerts", "--days", "3650", "--db", db_url])
    again = runner.invoke(app, ["kb", "expiry-alerts", "--days", "3650", "--db", db_url])
    assert (first.exit_code, again.exit_code) == (0, 0), first.output
    assert first.output.startswith("1 expiry") and again.output.startswith("0 expiry")


def test_the_serve_job_queues_expiry_alerts(seeded) -> None:  # type: ignore[no-untyped-def]
    from gridloop.knowledge import jobs

    assert (jobs.run_once(seeded), jobs.run_once(seeded)) == (1, 0)


def test_a_jsonl_import_can_publish_at_once_and_bad_lines_are_listed(app_client, seeded, as_user) -> None:  # type: ignore[no-untyped-def]
    login(app_client, "admin")
    lines = [
        '{"id": "j1", "q": "公积金怎么提取", "a": "购房、租房可提取住房公积金。", "start": "2026-01-01"}',
        "not json",
        '{"id": "j2", "q": "社保转移", "a": "在新参保地申请转移。", "start": "2026-02-30"}',
    ]
    mapping = {"format": "jsonl", "map_id": "id", "map_title": "q", "map_body": "a", "map_effective_from": "start"}
    token = csrf_of(app_client.get("/kb/import").text)
    files = {"file": ("faq.jsonl", "\n".join(lines).encode(), "application/x-ndjson")}
    done = app_client.post("/kb/import", data={**mapping, "csrf": token, "mode": "import", "publish": "1"}, files=files)
    assert "可导入 1 行，错误 2 行" in done.text and "不是 JSON 对象" in done.text and "日期格式" in done.text
    hits = as_user("operator").get("/api/v1/kb/suggest", params={"q": "我想把公积金提出来"}).json()["suggestions"]
    assert hits and hits[0]["source_id"] == "j1"
