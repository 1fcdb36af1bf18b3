"""`GET /api/v1/kb/search`: answers from published articles, with the matched passage; needs a login."""

from __future__ import annotations

from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.services.search import import_articles


def _seed(container, clock) -> None:  # type: ignore[no-untyped-def]
    items = [
        ImportItem("bj-1", "北京市居住证如何办？", "您好。您可以通过北京市居住证微信公众号申领居住证。", "首都之窗"),
        ImportItem("bj-2", "如何申请无犯罪记录证明？", "通过北京警务小程序申请无犯罪记录证明。", "公安局"),
    ]
    import_articles(items, uow=container.uow, now=clock.now())


def test_search_returns_the_article_and_its_matched_passage(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    body = as_user("operator").get("/api/v1/kb/search", params={"q": "暂住证怎么办", "top": 1}).json()
    first = body["results"][0]
    assert (first["source_id"], first["passage"]) == ("bj-1", "您可以通过北京市居住证微信公众号申领居住证。"), body


def test_search_without_a_login_is_refused(container, clock, app_client) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    assert app_client.get("/api/v1/kb/search", params={"q": "良民证"}).status_code == 401
