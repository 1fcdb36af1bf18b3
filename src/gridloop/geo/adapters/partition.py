"""Geometry generators for the demo city: balanced Voronoi partitions, square cell lattices, block grouping.

All inputs and outputs are WGS-84 lng/lat. Distances are taken in a local metric frame (lng scaled by
cos(latitude)) so partitions are balanced by area, not by degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from gridloop.geo.adapters.shapes import M_PER_DEG_LAT, M_PER_DEG_LNG_EQUATOR

LATTICE_ORIGIN = (120.80, 32.00)  # west, north corner of the city-wide cell lattice (rows go south)
LATTICE_LAT = 31.2  # latitude at which a lattice square is `side` metres wide


def sample_points(geometry: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` uniform random points (n × 2 lng/lat) inside a polygon, by rejection from its bounding box."""
    min_x, min_y, max_x, max_y = geometry.bounds
    shapely.prepare(geometry)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        batch = max(64, 2 * (n - have))
        xs = rng.uniform(min_x, max_x, batch)
        ys = rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(geometry, xs, ys)
        chosen = np.column_stack([xs[inside], ys[inside]])
        out.append(chosen)
        have += len(chosen)
    return np.concatenate(out)[:n]


def balanced_partition(
    geometry: BaseGeometry, parts: int, rng: np.random.Generator, *, iterations: int = 12
) -> list[BaseGeometry]:
    """A polygon cut into `parts` compact pieces of similar area (k-means seeds, Voronoi), without gaps."""
    if parts <= 1:
        return [geometry]
    lat0 = (geometry.bounds[1] + geometry.bounds[3]) / 2
    kx = math.cos(math.radians(lat0))
    samples = sample_points(geometry, max(40 * parts, 400), rng)
    metric = samples * np.array([kx, 1.0])
    centres = metric[rng.choice(len(metric), parts, replace=False)]
    for _ in range(iterations):
        labels = np.argmin(((metric[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for k in range(parts):
            members = metric[labels == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    seeds = centres / np.array([kx, 1.0])
    envelope = shapely.box(*geometry.buffer(0.01).bounds)
    # Voronoi in the metric frame (balanced in metres), regions scaled back, then clipped to the original
    regions = shapely.voronoi_polygons(
        shapely.multipoints(seeds * np.array([kx, 1.0])),
        extend_to=shapely.affinity.scale(envelope, xfact=kx, yfact=1.0, origin=(0, 0)),
    )
    shapely.prepare(geometry)
    out = []
    for region in shapely.get_parts(regions):
        back = shapely.affinity.scale(region, xfact=1 / kx, yfact=1.0, origin=(0, 0))
        piece = shapely.intersection(back, geometry)
        if not piece.is_empty and piece.area > 0:
            out.append(_polygonal(piece))
    return out


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of a geometry (intersections may add stray lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


@dataclass(frozen=True)
class Lattice:
    """City lattice cells clipped to an area: geometry, row (north→south), column (west→east)."""

    geometries: np.ndarray
    rows: np.ndarray
    cols: np.ndarray


def lattice_steps(cell_area_m2: float) -> tuple[float, float]:
    """(degrees of longitude, degrees of latitude) of a square cell of `cell_area_m2`."""
    side = math.sqrt(cell_area_m2)
    return side / (M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(LATTICE_LAT))), side / M_PER_DEG_LAT


def lattice_cells(area: BaseGeometry, cell_area_m2: float) -> Lattice:
    """Squares of the city lattice covering `area`, clipped to it: together they make `area`, no overlap."""
    dx, dy = lattice_steps(cell_area_m2)
    x0, y0 = LATTICE_ORIGIN
    min_x, min_y, max_x, max_y = area.bounds
    c0, c1 = math.floor((min_x - x0) / dx), math.ceil((max_x - x0) / dx)
    r0, r1 = math.floor((y0 - max_y) / dy), math.ceil((y0 - min_y) / dy)
    grid_cols, grid_rows = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
    cols, rows = grid_cols.ravel(), grid_rows.ravel()
    boxes = shapely.box(x0 + cols * dx, y0 - (rows + 1) * dy, x0 + (cols + 1) * dx, y0 - rows * dy)
    shapely.prepare(area)
    inside = shapely.contains(area, boxes)
    touching = ~inside & shapely.intersects(area, boxes)
    clipped = shapely.intersection(boxes[touching], area)
    keep_clipped = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)
    clipped = np.array([_polygonal(g) for g in clipped[keep_clipped]], dtype=object)
    geoms = np.concatenate([boxes[inside], clipped]) if len(clipped) else boxes[inside]
    out_rows = np.concatenate([rows[inside], rows[touching][keep_clipped]])
    out_cols = np.concatenate([cols[inside], cols[touching][keep_clipped]])
    order = np.lexsort((out_cols, out_rows))  # north→south, then west→east
    return Lattice(geometries=geoms[order], rows=out_rows[order], cols=out_cols[order])


def block_groups(rows: np.ndarray, cols: np.ndarray, target: int) -> list[np.ndarray]:
    """Indices of cells grouped into compact blocks of at most `target` cells (proportional cuts)."""
    groups: list[np.ndarray] = []
    stack = [np.arange(len(rows))]
    while stack:
        idx = stack.pop()
        parts = math.ceil(len(idx) / target)
        if parts <= 1:
            groups.append(idx)
            continue
        r, c = rows[idx], cols[idx]
        key = c * 1_000_000 + r if (c.max() - c.min()) >= (r.max() - r.min()) else r * 1_000_000 + c
        order = idx[np.argsort(key, kind="stable")]
        cut = round(len(order) * (parts // 2) / parts)
        stack.extend([order[cut:], order[:cut]])
    return groups


def reading_order(xs: np.ndarray, ys: np.ndarray, *, band: float) -> np.ndarray:
    """Order of points west→east within bands of height `band`, bands north→south."""
    bands = np.floor((ys.max() - ys) / band) if len(ys) else ys
    return np.lexsort((xs, bands))
