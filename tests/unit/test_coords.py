"""CRS conversion: published reference pairs, agreement with fast_geocn, round-trip error, vector = scalar."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fast_geocn import coord as ref

from gridloop.geo.adapters import coords

# Reference pairs published with wandergis/coordtransform (input 116.404, 39.915), widely reused as test data
# (e.g. hutool's CoordinateUtilTest).
PUBLISHED = [
    ("gcj02", "bd09", (116.41036949371029, 39.92133699351021)),
    ("wgs84", "gcj02", (116.41024449916938, 39.91640428150164)),
]


@pytest.mark.parametrize(("source", "target", "expected"), PUBLISHED)
def test_conversion_matches_published_reference_pairs(source, target, expected):
    got = coords.convert_point(116.404, 39.915, source=source, target=target)
    assert got == pytest.approx(expected, abs=1e-9), f"{source}→{target}"


def test_bd09_to_gcj02_refines_the_published_closed_form_within_a_microdegree():
    got = coords.convert_point(116.404, 39.915, source="bd09", target="gcj02")
    assert got == pytest.approx((116.39762729119315, 39.90865673957631), abs=2e-6)
    assert coords.convert_point(*got, source="gcj02", target="bd09") == pytest.approx((116.404, 39.915), abs=1e-7)


def test_gcj02_to_wgs84_matches_fast_geocn_iterative_inverse():
    got = coords.convert_point(121.4737, 31.2304, source="gcj02", target="wgs84")
    assert got == pytest.approx(ref.gcj02_to_wgs84(121.4737, 31.2304), abs=1e-7)


def test_wgs84_to_gcj02_vector_matches_fast_geocn_scalar_over_shanghai():
    rng = np.random.default_rng(1)
    lng = rng.uniform(120.85, 122.25, 200)
    lat = rng.uniform(30.67, 31.88, 200)
    gx, gy = coords.wgs84_to_gcj02(lng, lat)
    expected = np.array([ref.wgs84_to_gcj02(a, b) for a, b in zip(lng, lat, strict=True)])
    assert np.abs(gx - expected[:, 0]).max() < 1e-12
    assert np.abs(gy - expected[:, 1]).max() < 1e-12


def test_gcj02_round_trip_error_below_tolerance_over_shanghai():
    rng = np.random.default_rng(2)
    lng = rng.uniform(120.85, 122.25, 100_000)
    lat = rng.uniform(30.67, 31.88, 100_000)
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lng, lat))
    err = max(np.abs(back[0] - lng).max(), np.abs(back[1] - lat).max())
    assert err < 1e-7, f"round-trip error {err:.2e} deg"


def test_bd09_round_trip_error_below_tolerance_over_shanghai():
    rng = np.random.default_rng(3)
    lng = rng.uniform(120.85, 122.25, 10_000)
    lat = rng.uniform(30.67, 31.88, 10_000)
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lng, lat))
    err = max(np.abs(back[0] - lng).max(), np.abs(back[1] - lat).max())
    assert err < 1e-7, f"round-trip error {err:.2e} deg"


def test_gcj02_offset_in_shanghai_is_about_half_a_kilometre():
    gx, gy = coords.convert_point(121.4737, 31.2304, source="wgs84", target="gcj02")
    metres = math.hypot((gx - 121.4737) * 111_320 * math.cos(math.radians(31.23)), (gy - 31.2304) * 110_574)
    assert 400 < metres < 700, metres


def test_points_outside_china_are_not_shifted():
    assert coords.convert_point(2.35, 48.85, source="wgs84", target="gcj02") == (2.35, 48.85)


def test_nan_points_stay_nan_without_stalling_the_iteration():
    x, _ = coords.gcj02_to_wgs84(np.array([np.nan, 121.5]), np.array([31.2, 31.2]))
    assert math.isnan(x[0]) and math.isfinite(x[1])


def test_unknown_crs_is_refused():
    with pytest.raises(ValueError, match="unknown CRS"):
        coords.to_wgs84(121.5, 31.2, "epsg3857")
