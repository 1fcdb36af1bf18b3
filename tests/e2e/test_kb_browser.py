"""The knowledge base in a real browser: the operator types a caller's inquiry, the right article appears with its
citation, "answer directly" closes the case with the version recorded; an expired article is never suggested;
"no answer found" reaches the gaps report; an editor publishes a new version. Pages fit 390 px and 1366 px."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.e2e.test_console_browser import _page, _shot, _submit

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}


def _seed(db_url: str) -> None:
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.knowledge.adapters.sources import ImportItem
    from gridloop.knowledge.services.search import import_articles

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    items = [
        ImportItem(
            "bj-1",
            "北京市居住证如何办理？",
            "您好。您可以通过北京市居住证微信公众号申领居住证，也可到社区服务站办理。",
            "市公安局",
            citation="《北京市实施〈居住证暂行条例〉办法》第五条",
        ),
        ImportItem("bj-2", "如何申请无犯罪记录证明？", "通过北京警务小程序申请无犯罪记录证明。", "市公安局"),
        ImportItem(
            "bj-3", "电动自行车如何上牌？", "携带购车发票、合格证和身份证到登记点办理电动自行车登记。", "市公安局"
        ),
        ImportItem(
            "tp-old", "温泉季活动什么时候举办？", "2015年温泉季活动于十月举办。", "观光局", expires_on=date(2016, 1, 1)
        ),
    ]
    import_articles(items, uow=container.uow, now=datetime.now(UTC))
    container.uow.engine.dispose()


def _case_answers(db_url: str) -> list[tuple[int, str, int]]:
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.knowledge.tables import CaseAnswerRow

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    with container.uow() as uow:
        rows = [(r.case_id, r.source_id, r.version) for r in uow.session.scalars(select(CaseAnswerRow))]
    container.uow.engine.dispose()
    return rows


def _type_inquiry(page, text: str) -> None:
    with page.expect_response(lambda r: "/api/v1/kb/suggest" in r.url and r.status == 200):
        page.locator("textarea[name=text]").fill(text)


@pytest.fixture(scope="module", autouse=True)
def _articles(e2e_db: str) -> None:
    """Every test of the module sees the articles, whichever worker runs it and in whatever order."""
    _seed(e2e_db)


def test_the_operator_answers_a_caller_directly_from_the_knowledge_base(browser, server, e2e_db):
    page = _page(browser, server, "operator")
    page.goto("/intake")
    _type_inquiry(page, "喂你好，我想问一下，我的暂住证过期了，要怎么续办啊？")
    hit = page.locator("#kb-list li.kb-hit").first
    assert hit.get_attribute("data-source-id") == "bj-1"
    assert "《北京市实施〈居住证暂行条例〉办法》第五条（第1版）" in hit.inner_text()
    hit.locator("button.kb-open").click()
    page.wait_for_selector("#kb-card:not([hidden])")
    assert page.locator("#kb-card-version").inner_text() == "第 1 版"
    assert page.locator("#kb-card-department").inner_text() == "市公安局"
    assert page.locator("#kb-card-dates").inner_text() == "长期有效"
    _shot(page, "40-kb-intake-suggestion")
    _submit(page, page.locator("#kb-answer"))
    flash = page.locator(".flash-ok").inner_text()
    assert "已依据知识库直接答复并办结" in flash and "bj-1 第 1 版" in flash
    answers = _case_answers(e2e_db)
    assert [(s, v) for _, s, v in answers] == [("bj-1", 1)]
    page.goto(f"/cases/{answers[0][0]}")
    timeline = page.locator("ol.timeline").inner_text()
    assert "依据知识库直接答复" in timeline and "第 1 版" in timeline
    assert not page.js_errors, page.js_errors


def test_an_expired_article_is_never_suggested(browser, server, e2e_db):
    page = _page(browser, server, "operator")
    page.goto("/intake")
    _type_inquiry(page, "请问温泉季活动什么时候举办？")
    assert page.locator("#kb-list li[data-source-id='tp-old']").count() == 0


def test_no_answer_found_shows_up_in_the_gaps_report(browser, server, e2e_db):
    page = _page(browser, server, "operator")
    page.goto("/intake")
    _type_inquiry(page, "公租房摇号结果在哪里查询，我电话13812345678")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/kb/gaps") and r.status == 201):
        page.locator("#kb-none").click()
    assert "已记录为知识缺口" in page.locator("#kb-gap-note").inner_text()
    editor = _page(browser, server, "kb_editor")
    editor.goto("/kb/gaps")
    table = editor.locator("#kb-gaps").inner_text()
    assert "公租房摇号结果在哪里查询" in table and "13812345678" not in table
    _shot(editor, "41-kb-gaps")


def test_an_editor_publishes_a_new_version(browser, server, e2e_db):
    page = _page(browser, server, "kb_editor")
    page.goto("/kb/articles/bj-3/edit")
    page.locator("textarea[name=body]").fill(
        "携带购车发票、合格证和身份证到登记点办理电动自行车登记。2026年起可在线预约。"
    )
    _submit(page, page.locator("#kb-edit button[type=submit]"))
    assert "已保存第 2 版" in page.locator(".flash-ok").inner_text()
    for label in ("审核通过", "发布"):
        _submit(page, page.locator("#v2 form.kb-act button", has_text=label))
    assert page.locator("#v2").get_attribute("data-status") == "published"
    assert page.locator("#v1").get_attribute("data-status") == "expired"
    page.locator("#v2 a", has_text="与上一版比较").click()
    page.wait_for_selector("ins.kb-added")
    assert "2026年起可在线预约" in page.locator("ins.kb-added").first.inner_text()
    operator = _page(browser, server, "operator")
    operator.goto("/intake")
    _type_inquiry(operator, "电瓶车怎么上牌照")
    operator.locator("#kb-list li[data-source-id='bj-3'] button.kb-open").click()
    operator.wait_for_selector("#kb-card:not([hidden])")
    assert operator.locator("#kb-card-version").inner_text() == "第 2 版"


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 768}], ids=["390", "1366"])
def test_knowledge_pages_fit_the_screen(browser, server, e2e_db, viewport):
    page = _page(browser, server, "kb_editor", viewport=viewport)
    for path in ("/kb/articles", "/kb/articles/bj-1", "/kb/articles/new", "/kb/expiring", "/kb/import", "/kb/gaps"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} overflows by {overflow}px at {viewport}"
        page.screenshot(path=f"test-artifacts/42-kb{path.replace('/', '-')}-{viewport['width']}.png")
    operator = _page(browser, server, "operator", viewport=viewport)
    operator.goto("/intake")
    _type_inquiry(operator, "暂住证过期了怎么续办")
    operator.locator("#kb-list button.kb-open").first.click()
    operator.wait_for_selector("#kb-card:not([hidden])")
    overflow = operator.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"/intake overflows by {overflow}px at {viewport}"
