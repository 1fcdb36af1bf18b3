"""A change to the articles never makes an operator wait for the search index: a large index is rebuilt in the
background while the one in memory answers, and what it answers is checked against today's articles."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from gridloop.knowledge.adapters.lexical import LexicalIndex
from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.services import search
from gridloop.knowledge.services.search import import_articles

PERMIT = ImportItem("bj-1", "北京市居住证如何办理？", "您可以通过北京市居住证微信公众号申领居住证。", "市公安局")
RECORD = ImportItem("bj-2", "如何申请无犯罪记录证明？", "通过北京警务小程序申请无犯罪记录证明。", "市公安局")
NEW = ImportItem("bj-3", "养犬登记在哪里办理？", "养犬登记请到居住地派出所办理，携带犬只免疫证明。", "市公安局")


@pytest.fixture
def held_build(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every index counts as large, and a build waits until the returned event is set (at most 30 s)."""
    release = threading.Event()
    build = LexicalIndex.build

    def slow_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(30)
        return build(*args, **kwargs)

    monkeypatch.setattr(search, "SYNC_REBUILD_RECORDS", 0)
    monkeypatch.setattr(LexicalIndex, "build", staticmethod(slow_build))
    yield release
    release.set()
    assert search.wait_for_rebuilds(60)


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.json()
    return [r["source_id"] for r in body.get("suggestions", body.get("results", []))]


def test_a_change_is_answered_from_the_index_in_memory_during_its_rebuild(
    container, clock, as_user, held_build
) -> None:  # type: ignore[no-untyped-def]
    import_articles([PERMIT, RECORD], uow=container.uow, now=clock.now())
    api = as_user("operator")
    held_build.set()
    assert _ids(api.get("/api/v1/kb/suggest", params={"q": "暂住证怎么办"}))[0] == "bj-1"
    held_build.clear()
    # the residence-permit article expires (its new version ends in the past), and a new article is published
    expired = ImportItem(PERMIT.source_id, PERMIT.title, PERMIT.body, PERMIT.unit, expires_on=date(2016, 1, 1))
    import_articles([expired, NEW], uow=container.uow, now=clock.now())
    began = time.monotonic()
    suggested = _ids(api.get("/api/v1/kb/suggest", params={"q": "暂住证怎么办"}))
    searched = _ids(api.get("/api/v1/kb/search", params={"q": "居住证怎么申领"}))
    assert time.monotonic() - began < 10, "the request waited for the rebuild"
    assert "bj-1" not in suggested and "bj-1" not in searched  # never an article that is not answerable today
    assert "bj-3" not in _ids(api.get("/api/v1/kb/search", params={"q": "养犬登记"}))  # not indexed yet
    held_build.set()
    assert search.wait_for_rebuilds(60)
    assert _ids(api.get("/api/v1/kb/search", params={"q": "养犬登记"}))[0] == "bj-3"


def test_a_stale_hit_shows_the_current_version_s_words(container, clock, as_user, held_build) -> None:  # type: ignore[no-untyped-def]
    import_articles([PERMIT, RECORD], uow=container.uow, now=clock.now())
    api = as_user("operator")
    held_build.set()
    api.get("/api/v1/kb/search", params={"q": "居住证"})
    held_build.clear()
    changed = ImportItem(
        PERMIT.source_id, "居住证怎么申领？", "居住证可在北京通APP上申领，也可到派出所办理。", "市公安局"
    )
    import_articles([changed], uow=container.uow, now=clock.now())
    first = api.get("/api/v1/kb/search", params={"q": "居住证"}).json()["results"][0]
    assert first["source_id"] == "bj-1"
    assert first["title"] == "居住证怎么申领？" and "北京通" in first["passage"]


def test_a_small_index_is_rebuilt_in_the_request(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    import_articles([PERMIT], uow=container.uow, now=clock.now())
    api = as_user("operator")
    assert _ids(api.get("/api/v1/kb/search", params={"q": "居住证"})) == ["bj-1"]
    import_articles([NEW], uow=container.uow, now=clock.now())
    assert _ids(api.get("/api/v1/kb/search", params={"q": "养犬登记"}))[0] == "bj-3"


def test_the_serve_job_builds_the_index_before_the_first_suggestion(container, clock, as_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gridloop.knowledge import jobs

    import_articles([PERMIT, RECORD], uow=container.uow, now=clock.now())
    jobs.run_once(container)  # as `serve` does at start

    def no_build(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the first suggestion built the index")

    monkeypatch.setattr(LexicalIndex, "build", staticmethod(no_build))
    assert _ids(as_user("operator").get("/api/v1/kb/suggest", params={"q": "暂住证怎么办"}))[0] == "bj-1"
