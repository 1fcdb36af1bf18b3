"""Input no column or calendar can hold, or a word outside an enumeration, is the client's error (422), never a 500,
on every capability's routes (the safety net behind each route's own checks; the fuzzer in CI found these)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/emergency/hazards/2457325367492113994874880",
        "/api/v1/emergency/incidents/1855160440479610568704",
        "/api/v1/export-control/screenings/16855267296219476265009152",
        "/api/v1/petitions/23964936227976663531520",
        "/api/v1/petitions?status=%E1%9A%9B",
        "/api/v1/kpis/yoy?to=0001-01-08&from=0001-01-08",
    ],
)
def test_out_of_range_or_unknown_input_is_a_422_not_a_500(as_user, url):
    response = as_user("admin").get(url)
    assert response.status_code in (404, 422), f"{url} → {response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_roundtable_of_a_missing_campaign_is_refused_with_the_field(as_user):
    body = {"title": "议事", "place": "社区中心", "agenda": ["一"], "campaign_id": 0,
            "scheduled_at": "2026-12-20T14:00:00+08:00"}  # fmt: skip
    response = as_user("admin").post("/api/v1/participation/roundtables", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "campaign_id"
