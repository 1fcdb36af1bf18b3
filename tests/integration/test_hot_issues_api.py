"""GET /api/v1/hot-issues: clusters of the caller's visible cases, without personal data."""

from __future__ import annotations

from tests.factories import YANGPU_GRID, case_body


def test_hot_issue_ranking_lists_the_cluster_and_masks_reporters(as_user, clock):
    operator = as_user("operator")
    for i in range(4):
        clock.advance(hours=3)
        operator.post(
            "/api/v1/cases",
            json=case_body(
                title=f"丽景苑小区搅拌站噪音扰民{i}",
                text="丽景苑小区旁边的搅拌站夜间施工噪音很大，粉尘污染严重，居民无法休息，请尽快处理",
                reporter={"name": "王五", "phone": f"1381234{5670 + i}"},
            ),
        )
    operator.post("/api/v1/cases", json=case_body(area_code=YANGPU_GRID, text="杨浦某路灯不亮了很久"))
    body = operator.get("/api/v1/hot-issues", params={"from": "2026-11-01", "to": "2026-11-30"}).json()
    top = body["ranking"][0]
    assert top["留言数"] == 4 and top["留言用户数"] == 4, body["ranking"]
    assert all("13812345" not in m["留言用户"] for m in body["messages"])
    yangpu = as_user("yangpu_housing").get("/api/v1/hot-issues").json()
    assert yangpu["ranking"] == [] or all(r["留言数"] <= 1 for r in yangpu["ranking"])
