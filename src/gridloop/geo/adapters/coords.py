"""WGS-84 ⇄ GCJ-02 ⇄ BD-09 conversion, vectorised over numpy arrays, with scalar helpers.

GCJ-02 is WGS-84 plus a published, non-invertible offset (Krasovsky-ellipsoid polynomial); BD-09 is GCJ-02
plus Baidu's rotation/shift. WGS-84 → GCJ-02 and GCJ-02 ⇄ BD-09 are closed-form; GCJ-02 → WGS-84 is solved by
fixed-point iteration until the forward transform reproduces the input to better than `TOLERANCE_DEG`.
Points outside China's rough bounding box are left unchanged (the offset only applies in China).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

CrsName = Literal["wgs84", "gcj02", "bd09"]
CRS_NAMES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
TOLERANCE_DEG = 1e-7  # GCJ-02 → WGS-84 iteration stops when the forward error is below this (≈ 1 cm)
MAX_ITERATIONS = 30
CONTRACTION = 0.02  # bound of the offset's Lipschitz constant (max-norm) in China; measured ≈ 0.007
WARM_START_MIN_POINTS = 10_000
WARM_START_STEP = 0.01  # degrees between nodes of the warm-start table

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # Krasovsky first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # Baidu's constant
_K_LAT = 180.0 / ((_A * (1.0 - _EE)) * np.pi)
_K_LNG = 180.0 / (_A * np.pi)
_LNG_MIN, _LNG_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

FloatArray = NDArray[np.float64]


def _arrays(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lng, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lng and lat differ in shape: {x.shape} vs {y.shape}")
    return x, y


def in_china_box(lng: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points fall in the rough box where the GCJ-02 offset applies."""
    x, y = _arrays(lng, lat)
    return (x > _LNG_MIN) & (x < _LNG_MAX) & (y > _LAT_MIN) & (y < _LAT_MAX)


def _trig_terms(p: FloatArray, c12: float, c30: float) -> FloatArray:
    """(20 sin p + 40 sin(p/3) + c12 sin(p/12) + c30 sin(p/30))·2/3 of the GCJ-02 polynomial, with
    sin p = 3 t − 4 t³ for t = sin(p/3): (100 t − 80 t³)·2/3 + … (in place: one new array)."""
    t = np.sin(p / 3.0)
    out = t * t
    out *= -80.0
    out += 100.0
    out *= t
    out *= 2.0 / 3.0
    out += np.sin(p / 12.0) * (c12 * 2.0 / 3.0)
    out += np.sin(p / 30.0) * (c30 * 2.0 / 3.0)
    return out


def _gcj_offset(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset (dlng, dlat) in degrees at WGS-84 points.

    The published polynomial, rewritten with sin 3a = 3 sin a − 4 sin³ a (9 trig calls instead of 12) and
    in-place arithmetic; equal to the textbook form to 1e-17 degrees.
    """
    dx = x - 105.0
    dy = y - 35.0
    pdx = dx * np.pi
    pdy = dy * np.pi
    s2 = np.sin(2.0 * pdx)
    # (20 sin 6a + 20 sin 2a)·2/3 with sin 6a = 3 s − 4 s³, s = sin 2a  →  80 s (1 − s²)·2/3
    common = s2 * s2
    common *= -4.0
    common += 4.0
    common *= s2
    common *= 20.0 * 2.0 / 3.0
    sqrt_abs = np.sqrt(np.abs(dx))
    dxdy = dx * dy
    tlat = _trig_terms(pdy, 160.0, 320.0)
    tlat += common
    tlat += -100.0 + 2.0 * dx + 3.0 * dy + 0.2 * dy * dy + 0.1 * dxdy + 0.2 * sqrt_abs
    tlng = _trig_terms(pdx, 150.0, 300.0)
    tlng += common
    tlng += 300.0 + dx + 2.0 * dy + 0.1 * dx * dx + 0.1 * dxdy + 0.1 * sqrt_abs
    rad = y * (np.pi / 180.0)
    sin_rad = np.sin(rad)
    magic = sin_rad * sin_rad
    magic *= -_EE
    magic += 1.0
    sqrt_magic = np.sqrt(magic)
    tlat *= magic
    tlat *= sqrt_magic
    tlat *= _K_LAT
    tlng *= sqrt_magic
    tlng *= _K_LNG
    tlng /= np.cos(rad)
    inside = in_china_box(x, y)
    if inside.all():
        return tlng, tlat
    return np.where(inside, tlng, 0.0), np.where(inside, tlat, 0.0)


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 → GCJ-02 (closed form)."""
    x, y = _arrays(lng, lat)
    dlng, dlat = _gcj_offset(x, y)
    return x + dlng, y + dlat


def gcj02_to_wgs84(
    lng: ArrayLike, lat: ArrayLike, *, tolerance: float = TOLERANCE_DEG
) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS-84 by fixed-point iteration, to within `tolerance` degrees of the exact inverse.

    The offset is a contraction with Lipschitz constant below `CONTRACTION` (≈0.007 measured over China), so
    after a step of size e the remaining error is at most e·L/(1−L): iteration stops once that is < tolerance.
    Large batches start from a bilinear table of the inverse (≈1e-6 deg off), so one step usually suffices.
    """
    gx, gy = _arrays(lng, lat)
    x, y = _warm_start(gx, gy)
    bound = CONTRACTION / (1.0 - CONTRACTION)
    for _ in range(MAX_ITERATIONS):
        dlng, dlat = _gcj_offset(x, y)
        nx, ny = gx - dlng, gy - dlat
        step = np.maximum(np.abs(nx - x), np.abs(ny - y))
        x, y = nx, ny
        if step.size == 0 or not np.nanmax(step) * bound >= tolerance:  # NaN inputs never stall the loop
            break
    return x, y


def _warm_start(gx: FloatArray, gy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """A first guess of the inverse: bilinear interpolation in a table computed over the batch's extent."""
    if gx.size < WARM_START_MIN_POINTS:
        return gx, gy
    finite = np.isfinite(gx) & np.isfinite(gy)
    if not finite.any():
        return gx, gy
    x0, x1 = float(gx[finite].min()), float(gx[finite].max())
    y0, y1 = float(gy[finite].min()), float(gy[finite].max())
    nx = int((x1 - x0) / WARM_START_STEP) + 2
    ny = int((y1 - y0) / WARM_START_STEP) + 2
    if nx * ny > gx.size // 4:
        return gx, gy
    tx, ty = np.meshgrid(x0 + np.arange(nx) * WARM_START_STEP, y0 + np.arange(ny) * WARM_START_STEP)
    wx, wy = gcj02_to_wgs84(tx.ravel(), ty.ravel())  # small: no warm start, plain iteration
    table_x = (wx - tx.ravel()).reshape(ny, nx)
    table_y = (wy - ty.ravel()).reshape(ny, nx)
    fx = np.where(finite, (gx - x0) / WARM_START_STEP, 0.0)
    fy = np.where(finite, (gy - y0) / WARM_START_STEP, 0.0)
    ix = np.minimum(fx.astype(np.int64), nx - 2)
    iy = np.minimum(fy.astype(np.int64), ny - 2)
    ux, uy = fx - ix, fy - iy

    def bilinear(t: FloatArray) -> FloatArray:
        top = t[iy, ix] * (1 - ux) + t[iy, ix + 1] * ux
        bottom = t[iy + 1, ix] * (1 - ux) + t[iy + 1, ix + 1] * ux
        return np.asarray(top * (1 - uy) + bottom * uy, dtype=np.float64)

    return gx + bilinear(table_x), gy + bilinear(table_y)


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09 (closed form)."""
    x, y = _arrays(lng, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike, *, tolerance: float = TOLERANCE_DEG) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02: Baidu's closed-form inverse (≈1e-6 deg off), refined by iteration to `tolerance`."""
    bx, by = _arrays(lng, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = z * np.cos(theta), z * np.sin(theta)
    for _ in range(MAX_ITERATIONS):
        fx, fy = gcj02_to_bd09(gx, gy)
        ex, ey = bx - fx, by - fy
        gx = gx + ex
        gy = gy + ey
        err = np.maximum(np.abs(ex), np.abs(ey))
        if err.size == 0 or not np.nanmax(err) >= tolerance:
            break
    return gx, gy


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 → WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


def to_wgs84(lng: ArrayLike, lat: ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """Points given in `crs` (wgs84 | gcj02 | bd09) as WGS-84."""
    if crs == "wgs84":
        return _arrays(lng, lat)
    if crs == "gcj02":
        return gcj02_to_wgs84(lng, lat)
    if crs == "bd09":
        return bd09_to_wgs84(lng, lat)
    raise ValueError(f"unknown CRS '{crs}'; expected one of {', '.join(CRS_NAMES)}")


def from_wgs84(lng: ArrayLike, lat: ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """WGS-84 points expressed in `crs` (wgs84 | gcj02 | bd09)."""
    if crs == "wgs84":
        return _arrays(lng, lat)
    if crs == "gcj02":
        return wgs84_to_gcj02(lng, lat)
    if crs == "bd09":
        return wgs84_to_bd09(lng, lat)
    raise ValueError(f"unknown CRS '{crs}'; expected one of {', '.join(CRS_NAMES)}")


def convert(lng: ArrayLike, lat: ArrayLike, *, source: str, target: str) -> tuple[FloatArray, FloatArray]:
    """Points converted from CRS `source` to CRS `target`."""
    if source == target:
        if source not in CRS_NAMES:
            raise ValueError(f"unknown CRS '{source}'; expected one of {', '.join(CRS_NAMES)}")
        return _arrays(lng, lat)
    return from_wgs84(*to_wgs84(lng, lat, source), target)


def convert_point(lng: float, lat: float, *, source: str, target: str) -> tuple[float, float]:
    """One point converted from CRS `source` to CRS `target` (scalar helper)."""
    x, y = convert(lng, lat, source=source, target=target)
    return float(x), float(y)


def point_to_wgs84(lng: float, lat: float, crs: str) -> tuple[float, float]:
    """One point given in `crs` as WGS-84 (scalar helper)."""
    x, y = to_wgs84(lng, lat, crs)
    return float(x), float(y)
