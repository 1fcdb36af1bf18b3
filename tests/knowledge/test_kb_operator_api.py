"""The operator's knowledge-base API: suggestions with citations, the article card, answer directly, gaps."""

from __future__ import annotations

from datetime import date

from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.services.search import import_articles

INQUIRY = {"text": "我想问一下暂住证过期了怎么续办，要带什么材料", "reporter_phone": "13812345678"}


def _seed(container, clock) -> None:  # type: ignore[no-untyped-def]
    items = [
        ImportItem(
            "bj-1",
            "北京市居住证如何办理？",
            "您好。您可以通过北京市居住证微信公众号申领居住证。",
            "市公安局",
            citation="《北京市实施〈居住证暂行条例〉办法》第五条",
        ),
        ImportItem("bj-2", "如何申请无犯罪记录证明？", "通过北京警务小程序申请无犯罪记录证明。", "市公安局"),
        ImportItem(
            "tp-old",
            "温泉季活动什么时候举办？",
            "2015年温泉季活动于十月举办，详见温泉季官网。",
            "观光局",
            expires_on=date(2016, 1, 1),
        ),
    ]
    import_articles(items, uow=container.uow, now=clock.now())


def test_suggestions_carry_the_version_citation_and_owner(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    body = as_user("operator").get("/api/v1/kb/suggest", params={"q": "暂住证怎么办"}).json()
    first = body["suggestions"][0]
    assert first["source_id"] == "bj-1" and first["version"] == 1
    assert first["citation"] == "《北京市实施〈居住证暂行条例〉办法》第五条（第1版）"
    assert first["department"] == "市公安局"


def test_an_expired_article_is_never_suggested_nor_shown(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    api = as_user("operator")
    body = api.get("/api/v1/kb/suggest", params={"q": "温泉季活动什么时候举办"}).json()
    assert "tp-old" not in [s["source_id"] for s in body["suggestions"]]
    r = api.get("/api/v1/kb/articles/tp-old")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_the_card_shows_the_current_version_with_its_dates(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    card = as_user("operator").get("/api/v1/kb/articles/bj-1").json()
    assert (card["version"], card["department"], card["expires_on"]) == (1, "市公安局", None)
    assert card["body"].startswith("您好")


def test_answering_directly_closes_the_inquiry_and_records_the_version(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    api = as_user("operator")
    r = api.post(
        "/api/v1/kb/answers",
        json={"source_id": "bj-1", "version": 1, "reply": "您可以通过居住证公众号续办。", "inquiry": INQUIRY},
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    case = api.get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "closed" and case["request_type"] == "inquiry"
    answers = api.get(f"/api/v1/kb/case-answers/{case_id}").json()["answers"]
    assert [(a["source_id"], a["version"]) for a in answers] == [("bj-1", 1)]
    events = api.get(f"/api/v1/cases/{case_id}/timeline").json()
    notes = [e.get("note") or "" for e in events["items"]]
    assert any("第 1 版" in n and "bj-1" in n for n in notes)


def test_answering_from_a_stale_version_is_a_conflict(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    r = as_user("operator").post(
        "/api/v1/kb/answers", json={"source_id": "bj-1", "version": 2, "reply": "x", "inquiry": INQUIRY}
    )
    assert r.status_code == 409


def test_a_gap_is_masked_and_reported_to_editors_only(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    api = as_user("operator")
    for _ in range(2):
        r = api.post("/api/v1/kb/gaps", json={"query": "养老金资格认证 我电话13812345678", "department": "社保"})
        assert r.status_code == 201
    assert api.get("/api/v1/kb/gaps").status_code == 403
    items = as_user("kb_editor").get("/api/v1/kb/gaps").json()["items"]
    assert items[0]["count"] == 2 and "13812345678" not in items[0]["query"] and items[0]["department"] == "社保"
    csv_text = as_user("admin").get("/api/v1/kb/gaps.csv").text
    assert "养老金资格认证" in csv_text and "138****5678" in csv_text


def test_bad_inputs_are_problems_not_errors(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    api = as_user("operator")
    assert api.post("/api/v1/kb/gaps", json={"query": " "}).status_code == 422
    assert api.post("/api/v1/kb/answers", json={"source_id": "x", "version": 0}).status_code == 422
    assert api.get("/api/v1/kb/gaps", params={"week": "bad"}).status_code == 422
    assert api.get("/api/v1/kb/suggest", params={"q": "a"}).json()["suggestions"] == []


def test_an_editor_drives_the_workflow_through_the_api(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    _seed(container, clock)
    ed = as_user("kb_editor")
    assert as_user("operator").get("/api/v1/kb/editor/articles").status_code == 403
    r = ed.post(
        "/api/v1/kb/editor/articles", json={"source_id": "dog-1", "title": "养犬登记", "body": "到公安分局办理。"}
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    assert (
        ed.post("/api/v1/kb/editor/articles", json={"source_id": "dog 1", "title": "x", "body": "y"}).status_code == 422
    )
    assert ed.post("/api/v1/kb/editor/articles/dog-1/versions/1/publish").status_code == 409
    for action in ("review", "publish"):
        assert ed.post(f"/api/v1/kb/editor/articles/dog-1/versions/1/{action}").status_code == 200
    r = ed.post(
        "/api/v1/kb/editor/articles/dog-1/versions", json={"title": "养犬登记", "body": "到公安分局或线上办理。"}
    )
    assert r.json()["version"] == 2
    detail = ed.get("/api/v1/kb/editor/articles/dog-1").json()
    assert [(v["number"], v["status"], v["actions"]) for v in detail["versions"]] == [
        (2, "draft", ["review", "withdraw"]),
        (1, "published", ["expire", "withdraw"]),
    ]
    diff = ed.get("/api/v1/kb/editor/articles/dog-1/diff", params={"old": 1, "new": 2}).json()
    assert {"kind": "added", "text": "到公安分局或线上办理。"} in diff["body"]
    listed = ed.get("/api/v1/kb/editor/articles", params={"status": "draft"}).json()
    assert [i["source_id"] for i in listed["items"]] == ["dog-1"]
    assert ed.post("/api/v1/kb/editor/articles/dog-1/versions/1/fly").status_code == 422


def test_a_department_editor_edits_only_its_own_articles(container, clock, as_user) -> None:  # type: ignore[no-untyped-def]
    from gridloop.kernel.org import Role
    from gridloop.platform.org.services import org

    _seed(container, clock)
    with container.uow() as uow:
        unit = org.get_unit(uow.session, "310107-FG")
        org.create_user(uow.session, username="kb_putuo", role=Role.KB_EDITOR, unit_code=unit.code, now=clock.now())
        name = unit.name
        uow.commit()
    ed = as_user("kb_putuo")
    r = ed.post("/api/v1/kb/editor/articles", json={"source_id": "pt-1", "title": "维修基金", "body": "可申请使用。",
                                                    "department": "市公安局"})  # fmt: skip
    assert r.status_code == 201
    assert ed.get("/api/v1/kb/editor/articles/pt-1").json()["department"] == name
    assert ed.post("/api/v1/kb/editor/articles/pt-1/versions/1/review").status_code == 200
    assert ed.post("/api/v1/kb/editor/articles/bj-1/versions/1/withdraw").status_code == 403
    body = {"title": "改", "body": "改。"}
    assert ed.post("/api/v1/kb/editor/articles/bj-1/versions", json=body).status_code == 403
