"""The map-layer route: GeoJSON with case counts, never counting cases outside the caller's scope."""

from __future__ import annotations

from geo_helpers import square, write_geojson

from gridloop.geo.services.geography import import_boundaries
from gridloop.kernel.org import Level
from tests.factories import YANGPU_GRID, case_body


def _import_two_districts(container, clock, tmp_path):
    path = write_geojson(
        tmp_path / "d.geojson",
        [square("310107", "普陀区", 121.40, 31.24, 0.02), square("310110", "杨浦区", 121.50, 31.28, 0.02)],
    )
    with container.uow() as uow:
        import_boundaries(uow.session, path=path, level=Level.DISTRICT, crs="wgs84", now=clock.now())
        uow.commit()


def test_layer_counts_only_cases_in_the_callers_scope(container, clock, as_user, tmp_path):
    _import_two_districts(container, clock, tmp_path)
    operator = as_user("operator")
    operator.post("/api/v1/cases", json=case_body())
    operator.post("/api/v1/cases", json=case_body(area_code=YANGPU_GRID))
    city = operator.get("/api/v1/geo/district", params={"tolerance": 10}).json()
    assert {f["id"]: f["properties"]["cases"] for f in city["features"]} == {"310107": 1, "310110": 1}
    putuo = as_user("supervisor").get("/api/v1/geo/district").json()
    assert {f["id"]: f["properties"]["cases"] for f in putuo["features"]} == {"310107": 1, "310110": 0}


def test_layer_reports_open_and_overdue_counts(container, clock, as_user, tmp_path):
    _import_two_districts(container, clock, tmp_path)
    operator, dispatcher = as_user("operator"), as_user("dispatcher")
    case = operator.post("/api/v1/cases", json=case_body()).json()
    dispatcher.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    clock.advance(days=10)
    props = next(f for f in operator.get("/api/v1/geo/district").json()["features"] if f["id"] == "310107")
    assert props["properties"]["open"] == 1 and props["properties"]["overdue"] == 1


def test_unknown_layer_is_422_and_anonymous_is_401(as_user, app_client):
    assert as_user("operator").get("/api/v1/geo/planet").status_code == 422
    assert app_client.get("/api/v1/geo/district").status_code == 401
