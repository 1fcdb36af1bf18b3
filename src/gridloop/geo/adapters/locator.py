"""GeoLocator: points and text → district, street, community, unit cell and duty grid (the Locator port).

Shapes are loaded once from the database. Points are located against the *leaf* areas (unit cells, and
coarser areas that have no children) with one vectorised shapely 2 STRtree query. Before that, an ownership
raster (slots wholly inside one leaf; aligned with the unit-cell lattice when cells are regular squares, as
generated ones are) answers most points arithmetically, and only points in boundary slots go through the tree.
Areas not fully covered by their children are caught by a fallback pass per level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import ArrayLike
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.geo.adapters.coords import CRS_NAMES, to_wgs84
from gridloop.geo.adapters.gazetteer import Gazetteer, TextAreaMatch, build_gazetteer
from gridloop.geo.domain import check_point
from gridloop.geo.tables import AreaShapeRow, DutyGridRow
from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.kernel.ports import AreaMatch

MAX_RASTER_SLOTS = 4_000_000  # slots of the ownership raster (int32: 16 MB at most)
GENERIC_RASTER_SLOTS = 1_000_000  # when cells are not on a lattice, a coarser raster over the leaves' extent


@dataclass(frozen=True)
class _Lattice:
    """Ownership raster: slot (row, col) → the leaf holding the whole slot, −1 when none or several do.

    Aligned with the unit-cell lattice when cells are regular squares (each regular cell is one slot), else
    a plain raster over the leaves' extent. Points in an owned slot need no geometry test.
    """

    x0: float
    y0: float  # north edge
    dx: float
    dy: float
    slots: np.ndarray  # int32 rows × cols, −1 when no regular cell


@dataclass(frozen=True)
class PointMatches:
    """Located points: for each, the index of its leaf area (−1 when outside every area) and its codes."""

    leaf: np.ndarray
    district_codes: np.ndarray
    street_codes: np.ndarray
    community_codes: np.ndarray
    cell_codes: np.ndarray
    duty_grid_codes: np.ndarray

    @property
    def found(self) -> np.ndarray:
        """Mask of the points that fell in some area."""
        return np.asarray(self.leaf >= 0)


class GeoLocator:
    """Locates points (wgs84 | gcj02 | bd09) and Chinese text in the stored area hierarchy."""

    def __init__(self, *, codes: list[str], names: list[str], geometries: np.ndarray,
                 duty_grids: list[str | None], gazetteer: Gazetteer) -> None:  # fmt: skip
        parents = {c[: len(c) - (2 if len(c) == 14 else 3)] for c in codes if len(c) > 6}
        leaf = np.array([c not in parents for c in codes], dtype=bool)
        self._gazetteer = gazetteer
        self._names = dict(zip(codes, names, strict=True))
        order = np.flatnonzero(leaf)
        self.leaf_codes = [codes[i] for i in order]
        self._geoms = geometries[order]
        self._tree = shapely.STRtree(self._geoms)
        n = len(order)

        def column(fn: object) -> np.ndarray:
            values = [fn(c) for c in self.leaf_codes] + [None]  # type: ignore[operator]
            out = np.empty(n + 1, dtype=object)
            out[:] = values
            return out

        self._district = column(lambda c: c[:6])
        self._street = column(lambda c: c[:9] if len(c) >= 9 else None)
        self._community = column(lambda c: c[:12] if len(c) >= 12 else None)
        self._cell = column(lambda c: c if len(c) == 14 else None)
        duty = dict(zip(codes, duty_grids, strict=True))
        self._duty = column(lambda c: duty.get(c))
        self._lattice = _ownership_raster(self._geoms, self._tree, [len(c) == 14 for c in self.leaf_codes])
        # areas not fully covered by their leaves need a fallback pass, coarse levels only
        self._fallback: list[tuple[shapely.STRtree, list[str]]] = []
        by_code = dict(zip(codes, geometries, strict=True))
        leaf_area = float(shapely.area(self._geoms).sum()) if n else 0.0
        top = [c for c in codes if len(c) == 6]
        top_geoms = np.array([by_code[c] for c in top], dtype=object)
        top_area = float(shapely.area(top_geoms).sum()) if top else 0.0
        if top and abs(top_area - leaf_area) > 1e-6 * top_area:
            for length in (12, 9, 6):
                level_codes = [c for c in codes if len(c) == length and c in parents]
                if level_codes:
                    geoms = np.array([by_code[c] for c in level_codes], dtype=object)
                    self._fallback.append((shapely.STRtree(geoms), level_codes))
        self._code_index = {c: i for i, c in enumerate(self.leaf_codes)}

    @classmethod
    def from_session(cls, session: Session, *, street_csv: Path | None = None) -> GeoLocator:
        """A locator over every stored area (loaded once) and a gazetteer of their names."""
        rows = session.execute(
            select(AreaShapeRow.code, AreaShapeRow.name, AreaShapeRow.level, AreaShapeRow.geometry,
                   DutyGridRow.code)
            .outerjoin(DutyGridRow, DutyGridRow.id == AreaShapeRow.duty_grid_id)
            .order_by(AreaShapeRow.code)
        ).all()  # fmt: skip
        codes = [r[0] for r in rows]
        geoms = shapely.from_wkb([r[3] for r in rows]) if rows else np.empty(0, dtype=object)
        areas = {r[0]: (r[1], r[2]) for r in rows if r[2] != "grid"}
        gazetteer = build_gazetteer(areas, street_csv=street_csv)
        return cls(codes=codes, names=[r[1] for r in rows], geometries=np.asarray(geoms, dtype=object),
                   duty_grids=[r[4] for r in rows], gazetteer=gazetteer)  # fmt: skip

    # points ---------------------------------------------------------------------------------------
    def locate_points(self, lngs: ArrayLike, lats: ArrayLike, crs: str) -> PointMatches:
        """Locate many points given in `crs` at once; NaN or outside points get leaf −1 and None codes."""
        _check_crs(crs)
        x, y = to_wgs84(lngs, lats, crs)
        x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        y = np.ascontiguousarray(y, dtype=np.float64).ravel()
        leaf = np.full(len(x), -1, dtype=np.int64)
        todo = np.arange(len(x))
        if self._lattice is not None:
            leaf, todo = self._lattice_pass(x, y, leaf)
        if len(todo) and len(self.leaf_codes):
            points = shapely.points(x[todo], y[todo])
            pt, hit = self._tree.query(points, predicate="within")
            first = np.unique(pt, return_index=True)[1] if len(pt) else np.empty(0, dtype=np.int64)
            leaf[todo[pt[first]]] = hit[first]
            extra = self._fallback_pass(x, y, leaf)
        else:
            extra = {}
        matches = PointMatches(
            leaf=leaf, district_codes=self._district[leaf], street_codes=self._street[leaf],
            community_codes=self._community[leaf], cell_codes=self._cell[leaf],
            duty_grid_codes=self._duty[leaf],
        )  # fmt: skip
        for i, code in extra.items():  # points only a coarse area holds
            matches.district_codes[i] = code[:6]
            matches.street_codes[i] = code[:9] if len(code) >= 9 else None
            matches.community_codes[i] = code[:12] if len(code) >= 12 else None
        return matches

    def _lattice_pass(self, x: np.ndarray, y: np.ndarray, leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lat = self._lattice
        assert lat is not None
        nrows, ncols = lat.slots.shape
        with np.errstate(invalid="ignore"):
            col = np.floor((x - lat.x0) / lat.dx)
            row = np.floor((lat.y0 - y) / lat.dy)
        ok = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
        idx = np.flatnonzero(ok)
        slot = lat.slots[row[idx].astype(np.int64), col[idx].astype(np.int64)]
        leaf[idx] = slot
        return leaf, np.flatnonzero(leaf < 0)

    def _fallback_pass(self, x: np.ndarray, y: np.ndarray, leaf: np.ndarray) -> dict[int, str]:
        extra: dict[int, str] = {}
        if not self._fallback:
            return extra
        todo = np.flatnonzero(leaf < 0)
        for tree, level_codes in self._fallback:
            if not len(todo):
                break
            pt, hit = tree.query(shapely.points(x[todo], y[todo]), predicate="within")
            first = np.unique(pt, return_index=True)[1] if len(pt) else np.empty(0, dtype=np.int64)
            for p, h in zip(pt[first], hit[first], strict=True):
                extra[int(todo[p])] = level_codes[int(h)]
            todo = np.setdiff1d(todo, todo[pt[first]])
        return extra

    def locate_point(self, lng: float, lat: float, crs: str) -> AreaMatch | None:
        """Area of one point given in `crs`; InvalidInput for NaN, swapped or far-away points."""
        _check_crs(crs)
        check_point(lng, lat)
        m = self.locate_points(np.array([lng]), np.array([lat]), crs)
        district = m.district_codes[0]
        if district is None:
            return None
        finest = m.cell_codes[0] or m.community_codes[0] or m.street_codes[0] or district
        return AreaMatch(
            district_code=district, street_code=m.street_codes[0], community_code=m.community_codes[0],
            cell_code=m.cell_codes[0], duty_grid_code=m.duty_grid_codes[0], method="point", confidence=1.0,
            name=self._names.get(finest, ""),
        )  # fmt: skip

    # text -----------------------------------------------------------------------------------------
    def locate_text(self, text: str) -> list[AreaMatch]:
        """Areas named in Chinese text, best first; several when ambiguous, empty when none."""
        return list(self.locate_text_matches(text))

    def locate_text_matches(self, text: str) -> list[TextAreaMatch]:
        """Like locate_text, typed with the matched words and the kind of name."""
        return self._gazetteer.locate(text)


def _check_crs(crs: str) -> None:
    if crs not in CRS_NAMES:
        raise InvalidInput(
            f"Unknown or undeclared CRS '{crs}'; declare one of {', '.join(CRS_NAMES)}.",
            errors=[FieldError("crs", f"one of {', '.join(CRS_NAMES)}")],
        )


def _ownership_raster(geoms: np.ndarray, tree: shapely.STRtree, is_cell: list[bool]) -> _Lattice | None:
    """The raster of slots wholly inside one leaf: on the cells' lattice if they have one, else generic."""
    if len(geoms) < 100:
        return None
    frame = _cell_lattice(geoms, is_cell)
    if frame is None:
        min_x, min_y, max_x, max_y = shapely.total_bounds(geoms)
        extent = (max_x - min_x) * (max_y - min_y)
        typical = math.sqrt(float(np.median(shapely.area(geoms))))
        side = max(math.sqrt(extent / GENERIC_RASTER_SLOTS), typical / 8)
        shape = (int((max_y - min_y) / side) + 1, int((max_x - min_x) / side) + 1)
        slots = np.full(shape, -1, dtype=np.int32)
        x0, y0, dx, dy = float(min_x), float(max_y), side, side
    else:
        x0, y0, dx, dy, slots = frame
    if slots.size > MAX_RASTER_SLOTS:
        return None
    rows, cols = np.nonzero(slots < 0)
    boxes = shapely.box(x0 + cols * dx, y0 - (rows + 1) * dy, x0 + (cols + 1) * dx, y0 - rows * dy)
    box_idx, leaf_idx = tree.query(boxes, predicate="within")
    slots[rows[box_idx], cols[box_idx]] = leaf_idx
    if not (slots >= 0).any():
        return None
    return _Lattice(x0=x0, y0=y0, dx=dx, dy=dy, slots=slots)


def _cell_lattice(geoms: np.ndarray, is_cell: list[bool]) -> tuple[float, float, float, float, np.ndarray] | None:
    """(x0, north y0, dx, dy, slots holding the regular cells) when most cells are equal aligned squares."""
    cells = np.flatnonzero(np.array(is_cell, dtype=bool))
    if len(cells) < 100:
        return None
    b = shapely.bounds(geoms[cells])
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    rect = (shapely.get_num_coordinates(geoms[cells]) == 5) & np.isclose(
        shapely.area(geoms[cells]), w * h, rtol=1e-9, atol=0.0
    )
    if rect.mean() < 0.5:
        return None
    dx, dy = float(np.median(w[rect])), float(np.median(h[rect]))
    regular = rect & np.isclose(w, dx, rtol=1e-7) & np.isclose(h, dy, rtol=1e-7)
    x0, y0 = float(b[regular, 0].min()), float(b[regular, 3].max())
    colf = (b[:, 0] - x0) / dx
    rowf = (y0 - b[:, 3]) / dy
    aligned = regular & (np.abs(colf - np.round(colf)) < 1e-6) & (np.abs(rowf - np.round(rowf)) < 1e-6)
    if aligned.sum() < 100:
        return None
    col = np.round(colf[aligned]).astype(np.int64)
    row = np.round(rowf[aligned]).astype(np.int64)
    shape = (int(row.max()) + 1, int(col.max()) + 1)
    if math.prod(shape) > MAX_RASTER_SLOTS:
        return None
    slots = np.full(shape, -1, dtype=np.int32)
    slots[row, col] = cells[aligned]
    return x0, y0, dx, dy, slots
