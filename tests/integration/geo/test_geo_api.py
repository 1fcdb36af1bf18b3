"""The map-layer route, with the lead's session dependency overridden (skipped until deps.py is merged)."""

from __future__ import annotations

import pytest
from geo_helpers import square, write_geojson

from gridloop.domain.org import Level
from gridloop.services.geography import import_boundaries

pytest.importorskip("gridloop.entrypoints.api.deps", reason="entrypoints/api/deps.py is on the lead's branch")


def test_layer_route_returns_geojson_with_counts(session, now, tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from gridloop.entrypoints.api import geo

    path = write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.4, 31.2, 0.02)])
    import_boundaries(session, path=path, level=Level.DISTRICT, crs="wgs84", now=now)
    app = FastAPI()
    app.include_router(geo.router)
    app.dependency_overrides[geo.get_session] = lambda: session
    response = TestClient(app).get("/api/v1/geo/district", params={"tolerance": 10, "from": "2026-11-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["features"][0]["properties"]["code"] == "310101"
    assert body["properties"]["from"].startswith("2026-11-01T00:00:00+08:00")
