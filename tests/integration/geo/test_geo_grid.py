"""Gridding stored communities, duty grids (多格合一), duty roles and workers on duty, map layers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from geo_helpers import square, write_geojson
from sqlalchemy import select

from gridloop.cases.tables import CaseRow
from gridloop.geo.services.generate import grid_communities
from gridloop.geo.services.geography import (
    area_layer,
    assign_worker,
    duty_grid_of_cell,
    ensure_duty_roles,
    import_boundaries,
    workers_on_duty,
)
from gridloop.geo.tables import AreaShapeRow, DutyRoleRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.org import Level
from gridloop.org.tables import UnitRow, UserRow


@pytest.fixture
def small_area(session, now, tmp_path):
    """District 310101 > street 310101001 > communities 310101001001 (≈0.26 km²) and …002 (≈2.6 km²)."""
    files = [
        (Level.DISTRICT, [square("310101", "甲区", 121.40, 31.20, 0.03)]),
        (Level.STREET, [square("310101001", "一街道", 121.40, 31.20, 0.02)]),
        (Level.COMMUNITY, [square("310101001001", "一居委", 121.40, 31.20, 0.005),
                           square("310101001002", "二居委", 121.405, 31.20, 0.015)]),
    ]  # fmt: skip
    for i, (level, features) in enumerate(files):
        path = write_geojson(tmp_path / f"{i}.geojson", features)
        import_boundaries(session, path=path, level=level, crs="wgs84", now=now)
    return session


def test_grid_covers_a_community_and_numbers_its_cells(small_area, now):
    report = grid_communities(small_area, now=now, cell_area=10_000, within="310101001001")
    codes = small_area.scalars(
        select(AreaShapeRow.code).where(AreaShapeRow.level == "grid").order_by(AreaShapeRow.code)
    ).all()
    assert report.cells == len(codes) and 25 <= len(codes) <= 99
    assert codes[0] == "31010100100101" and all(c.startswith("310101001001") for c in codes)
    total = sum(small_area.scalars(select(AreaShapeRow.area_m2).where(AreaShapeRow.level == "grid")))
    community = small_area.scalar(select(AreaShapeRow.area_m2).where(AreaShapeRow.code == "310101001001"))
    assert total == pytest.approx(community, rel=1e-6), "cells cover the community without gaps or overlaps"


def test_grid_refuses_communities_needing_more_than_99_cells(small_area, now):
    with pytest.raises(InvalidInput) as caught:
        grid_communities(small_area, now=now, cell_area=10_000)
    assert [e.field for e in caught.value.errors] == ["310101001002"]
    assert small_area.scalar(select(AreaShapeRow.id).where(AreaShapeRow.level == "grid")) is None


def test_case_in_a_cell_knows_duty_grid_and_workers_on_duty_for_a_role(small_area, now):
    grid_communities(small_area, now=now, cell_area=10_000, within="310101001001")
    ensure_duty_roles(small_area)
    duty_grid = duty_grid_of_cell(small_area, "31010100100101")
    unit = small_area.scalar(select(UnitRow).where(UnitRow.code == duty_grid))
    assert unit is not None and unit.level == "grid"
    worker = UserRow(username="wg1", display_name="网格员一", role="grid_worker", unit_id=unit.id, created_at=now)
    small_area.add(worker)
    small_area.flush()
    assign_worker(small_area, duty_grid_code=duty_grid, role_code="police", user_id=worker.id, now=now)
    assert workers_on_duty(small_area, cell_code="31010100100101", role_code="police") == [worker.id]
    assert workers_on_duty(small_area, cell_code="31010100100101", role_code="party") == []


def test_duty_roles_are_seeded_and_more_can_be_added(session):
    assert ensure_duty_roles(session) == 4
    assert ensure_duty_roles(session, [("city_mgmt", "城管", "City management")]) == 1
    assert set(session.scalars(select(DutyRoleRow.name_zh))) == {"城运", "警务", "综治", "党建", "城管"}


def _case(number: str, *, district: str, grid: str | None, at) -> CaseRow:
    return CaseRow(
        number=number, title="t", text="t", channel="phone", request_type="complaint", status="received",
        district_code=district, street_code=grid[:9] if grid else None, grid_code=grid,
        received_at=at, updated_at=at,
    )  # fmt: skip


def test_case_layer_counts_cases_of_the_period_per_area(small_area, now):
    from gridloop.cases.services.maps import case_layer as area_layer

    grid_communities(small_area, now=now, cell_area=10_000, within="310101001001")
    small_area.add_all([
        _case("C1", district="310101", grid="31010100100101", at=now),
        _case("C2", district="310101", grid="31010100100101", at=now),
        _case("C3", district="310101", grid="31010100100102", at=now - timedelta(days=40)),
    ])  # fmt: skip
    small_area.flush()
    layer = area_layer(small_area, level="grid", tolerance=5, start=now - timedelta(days=7), end=now + timedelta(1))
    counts = {f["id"]: f["properties"]["cases"] for f in layer["features"]}
    assert counts["31010100100101"] == 2 and counts["31010100100102"] == 0
    district = area_layer(small_area, level="district")
    assert district["features"][0]["properties"]["cases"] == 3
    assert district["features"][0]["geometry"]["type"] == "Polygon"
    community = area_layer(small_area, level="community", start=now - timedelta(days=7))
    assert {f["id"]: f["properties"]["cases"] for f in community["features"]}["310101001001"] == 2
    duty = area_layer(small_area, level="duty_grid")
    assert sum(f["properties"]["cases"] for f in duty["features"]) == 3


def test_area_layer_simplifies_to_the_tolerance(session, now, tmp_path):
    import math

    ring = [[121.4 + 0.02 * math.cos(t / 50 * math.pi), 31.2 + 0.02 * math.sin(t / 50 * math.pi)] for t in range(100)]
    ring.append(ring[0])
    feature = {"type": "Feature", "properties": {"code": "310101", "name": "圆区"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    import_boundaries(session, path=write_geojson(tmp_path / "c.geojson", [feature]), level=Level.DISTRICT,
                      crs="wgs84", now=now)  # fmt: skip
    fine = area_layer(session, level="district", tolerance=0)["features"][0]["geometry"]["coordinates"][0]
    coarse = area_layer(session, level="district", tolerance=200)["features"][0]["geometry"]["coordinates"][0]
    assert len(coarse) < len(fine) / 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"level": "county"}, "level"), ({"level": "district", "tolerance": -1}, "tolerance")],
)
def test_area_layer_refuses_bad_parameters(session, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        area_layer(session, **kwargs)
    assert caught.value.errors[0].field == field
