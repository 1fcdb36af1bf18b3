"""Geography use cases: import boundaries, keep area units in step, duty roles and workers, map layers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from gridloop.geo.adapters import shapes
from gridloop.geo.tables import AreaShapeRow, DutyAssignmentRow, DutyGridRow, DutyRoleRow
from gridloop.kernel.errors import FieldError, InvalidInput, NotFound, ValidationProblems
from gridloop.kernel.org import Level, UnitKind, unit_path
from gridloop.kernel.ports import AreaMatch, Locator
from gridloop.org.tables import UnitRow, UserRow

CITY_CODE = "310000"
CITY_NAME = "上海市"
DEFAULT_DUTY_ROLES: tuple[tuple[str, str, str], ...] = (
    ("city_ops", "城运", "City operations"),
    ("police", "警务", "Policing"),
    ("comprehensive", "综治", "Comprehensive governance"),
    ("party", "党建", "Party building"),
)
LAYER_LEVELS = ("district", "street", "community", "grid", "duty_grid")


@dataclass(frozen=True)
class ImportReport:
    """What an import stored."""

    level: str
    imported: int
    replaced: int
    skipped: int
    codes: list[str] = field(default_factory=list)


def ensure_city_unit(session: Session, *, now: datetime, is_demo: bool = False) -> UnitRow:
    """The city area unit '310000', created when absent (reused when the lead's seed made it)."""
    unit = session.scalar(select(UnitRow).where(UnitRow.code == CITY_CODE))
    if unit is not None:
        return unit
    unit = UnitRow(
        code=CITY_CODE,
        name=CITY_NAME,
        kind=UnitKind.AREA.value,
        level=Level.CITY.value,
        parent_id=None,
        path="",
        area_code=CITY_CODE,
        is_demo=is_demo,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    unit.path = unit_path(None, unit.id)
    return unit


def ensure_area_units(
    session: Session,
    rows: Sequence[tuple[str, str, Level, str]],
    *,
    now: datetime,
    is_demo: bool = False,
) -> dict[str, UnitRow]:
    """Area units for (code, name, level, parent_code) rows, parents first; existing codes are reused."""
    units = {CITY_CODE: ensure_city_unit(session, now=now, is_demo=is_demo)}
    codes = [row[0] for row in rows] + [row[3] for row in rows]
    for chunk_start in range(0, len(codes), 500):
        chunk = codes[chunk_start : chunk_start + 500]
        for unit in session.scalars(select(UnitRow).where(UnitRow.code.in_(chunk))):
            units[unit.code] = unit
    pending: list[tuple[UnitRow, UnitRow]] = []
    for code, name, level, parent in rows:
        if code in units:
            continue
        parent_unit = units.get(parent)
        if parent_unit is None:
            raise NotFound(f"Parent unit {parent} of area {code} does not exist.")
        unit = UnitRow(
            code=code,
            name=name,
            kind=UnitKind.AREA.value,
            level=level.value,
            parent_id=parent_unit.id,
            path="",
            area_code=code,
            is_demo=is_demo,
            created_at=now,
        )
        session.add(unit)
        units[code] = unit
        pending.append((unit, parent_unit))
        if parent_unit.id is None:
            session.flush()
    session.flush()
    for unit, parent_unit in pending:
        unit.path = unit_path(parent_unit.path, unit.id)
    session.flush()
    return units


def load_shapes(session: Session, *, level: str, codes: Iterable[str] | None = None) -> dict[str, Any]:
    """Stored geometries of a level (optionally only some codes), keyed by code."""
    query = select(AreaShapeRow.code, AreaShapeRow.geometry).where(AreaShapeRow.level == level)
    rows = session.execute(query).all()
    wanted = set(codes) if codes is not None else None
    rows = [row for row in rows if wanted is None or row[0] in wanted]
    geoms = shapely.from_wkb([row[1] for row in rows]) if rows else []
    return {row[0]: geom for row, geom in zip(rows, geoms, strict=True)}


def import_boundaries(
    session: Session,
    *,
    path: Path,
    level: Level,
    crs: str,
    now: datetime,
    code_field: str = "code",
    name_field: str = "name",
    code_prefix: str | None = None,
    overlap_tolerance: float = 0.01,
    containment_tolerance: float = 0.02,
) -> ImportReport:
    """Import a GeoJSON boundary file as a whole, or refuse it listing every problem (nothing stored)."""
    if level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
        message = "level must be district, street, community or grid"
        raise InvalidInput(message, errors=[FieldError("level", message)])
    try:
        features = shapes.read_features(path)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}", errors=[FieldError("file", str(exc))]) from exc
    boundaries, errors = shapes.parse_boundaries(
        features, level=level, crs=crs, code_field=code_field, name_field=name_field, code_prefix=code_prefix
    )
    if not boundaries and not errors:
        errors.append(FieldError("file", "no feature to import (check --code-field and the code prefix)"))
    new_codes = {b.code for b in boundaries}
    existing = load_shapes(session, level=level.value)
    kept = [
        shapes.Boundary(code=code, name="", level=level, geometry=geom)
        for code, geom in existing.items()
        if code not in new_codes
    ]
    overlap = shapes.overlap_problems(boundaries + kept, tolerance=overlap_tolerance)
    errors.extend(e for e in overlap if e.field in new_codes)
    if level is not Level.DISTRICT:
        parent_level = {Level.STREET: "district", Level.COMMUNITY: "street", Level.GRID: "community"}[level]
        parents = load_shapes(session, level=parent_level, codes={b.parent_code or "" for b in boundaries})
        errors.extend(shapes.containment_problems(boundaries, parents, tolerance=containment_tolerance))
    if errors:
        raise InvalidInput(f"{path.name}: {len(errors)} problem(s); nothing was imported.", errors=errors)
    replaced = 0
    if new_codes:
        replaced = len(new_codes & set(existing))
        session.execute(delete(AreaShapeRow).where(AreaShapeRow.code.in_(sorted(new_codes))))
    store_shapes(
        session,
        [(b.code, b.name, level.value, b.parent_code, b.geometry) for b in boundaries],
        now=now,
        source=path.name,
        source_crs=crs,
    )
    if level is not Level.GRID:
        unit_rows = [(b.code, b.name, level, b.parent_code or CITY_CODE) for b in boundaries]
        ensure_area_units(session, unit_rows, now=now)
    session.commit()
    skipped = len(features) - len(boundaries)
    return ImportReport(
        level=level.value,
        imported=len(boundaries),
        replaced=replaced,
        skipped=skipped,
        codes=sorted(new_codes),
    )


def store_shapes(
    session: Session,
    rows: Sequence[tuple[str, str, str, str | None, Any]],
    *,
    now: datetime,
    source: str,
    source_crs: str = "wgs84",
    is_demo: bool = False,
    duty_grid_ids: Sequence[int | None] | None = None,
) -> None:
    """Insert (code, name, level, parent_code, WGS-84 geometry) rows in bulk."""
    if not rows:
        return
    geoms = np.array([row[4] for row in rows], dtype=object)
    wkb = shapely.to_wkb(geoms)
    bounds = shapely.bounds(geoms)
    areas = shapes.area_m2(geoms)
    payload = [
        {
            "code": code,
            "level": level,
            "name": name,
            "parent_code": parent,
            "geometry": wkb[i],
            "min_lng": float(bounds[i, 0]),
            "min_lat": float(bounds[i, 1]),
            "max_lng": float(bounds[i, 2]),
            "max_lat": float(bounds[i, 3]),
            "area_m2": float(areas[i]),
            "duty_grid_id": duty_grid_ids[i] if duty_grid_ids is not None else None,
            "source": source,
            "source_crs": source_crs,
            "is_demo": is_demo,
            "created_at": now,
        }
        for i, (code, name, level, parent, _geom) in enumerate(rows)
    ]
    session.execute(insert(AreaShapeRow), payload)


def ensure_duty_roles(session: Session, roles: Sequence[tuple[str, str, str]] = DEFAULT_DUTY_ROLES) -> int:
    """Add the (code, 中文, English) duty roles that are missing; returns how many were added."""
    have = set(session.scalars(select(DutyRoleRow.code)))
    added = 0
    for sort, (code, zh, en) in enumerate(roles):
        if code not in have:
            session.add(DutyRoleRow(code=code, name_zh=zh, name_en=en, active=True, sort=sort))
            added += 1
    session.flush()
    return added


def add_duty_role(session: Session, *, code: str, name_zh: str, name_en: str) -> bool:
    """Add one duty role (besides the seeded ones); False when the code exists already."""
    problems = ValidationProblems()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,31}", code):
        problems.add("code", "2–32 lowercase letters, digits or _ (starting with a letter)")
    if not name_zh.strip():
        problems.add("zh", "must not be empty")
    problems.raise_if_any()
    ensure_duty_roles(session)
    added = ensure_duty_roles(session, [(code, name_zh.strip(), name_en.strip() or code)]) > 0
    session.commit()
    return added


def assign_worker_by_name(
    session: Session, *, duty_grid_code: str, role_code: str, username: str, now: datetime
) -> None:
    """Put the grid worker with this username on duty for a role in a duty grid."""
    user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
    if user_id is None:
        raise NotFound(f"No user named '{username}'.")
    assign_worker(session, duty_grid_code=duty_grid_code, role_code=role_code, user_id=user_id, now=now)


def assign_worker(session: Session, *, duty_grid_code: str, role_code: str, user_id: int, now: datetime) -> None:
    """Put a grid worker on duty for a role in a duty grid."""
    grid = session.scalar(select(DutyGridRow).where(DutyGridRow.code == duty_grid_code))
    if grid is None:
        raise NotFound(f"No duty grid '{duty_grid_code}'.")
    role = session.scalar(select(DutyRoleRow).where(DutyRoleRow.code == role_code))
    if role is None:
        raise NotFound(f"No duty role '{role_code}'; add it first.")
    exists = session.scalar(
        select(DutyAssignmentRow.id).where(
            DutyAssignmentRow.duty_grid_id == grid.id,
            DutyAssignmentRow.role_id == role.id,
            DutyAssignmentRow.user_id == user_id,
        )
    )
    if exists is None:
        session.add(DutyAssignmentRow(duty_grid_id=grid.id, role_id=role.id, user_id=user_id, created_at=now))
    session.commit()


def duty_grid_of_cell(session: Session, cell_code: str) -> str | None:
    """The duty grid code a unit cell belongs to."""
    return session.scalar(
        select(DutyGridRow.code)
        .join(AreaShapeRow, AreaShapeRow.duty_grid_id == DutyGridRow.id)
        .where(AreaShapeRow.code == cell_code)
    )


def workers_on_duty(session: Session, *, cell_code: str, role_code: str) -> list[int]:
    """User ids on duty for a role in the duty grid that holds a unit cell."""
    query = (
        select(DutyAssignmentRow.user_id)
        .join(DutyRoleRow, DutyRoleRow.id == DutyAssignmentRow.role_id)
        .join(AreaShapeRow, AreaShapeRow.duty_grid_id == DutyAssignmentRow.duty_grid_id)
        .where(AreaShapeRow.code == cell_code, DutyRoleRow.code == role_code, DutyRoleRow.active.is_(True))
        .order_by(DutyAssignmentRow.user_id)
    )
    return list(session.scalars(query))


def cell_duty_grids(session: Session, cells: Iterable[str]) -> dict[str, str]:
    """The duty grid (多格合一) of each of these unit cells that has one."""
    return {
        str(cell): str(grid)
        for cell, grid in session.execute(
            select(AreaShapeRow.code, DutyGridRow.code)
            .join(DutyGridRow, DutyGridRow.id == AreaShapeRow.duty_grid_id)
            .where(AreaShapeRow.code.in_(list(cells)))
        ).all()
    }


def area_layer(
    session: Session,
    *,
    level: str,
    tolerance: float = 0.0,
    start: datetime | None = None,
    end: datetime | None = None,
    within: str | None = None,
    counts: Mapping[str, tuple[int, int, int]] | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of a level's areas, simplified to `tolerance` metres, with the (all, open,
    overdue) counts given per area code (the case loop computes them for the period `start`..`end`)."""
    if level not in LAYER_LEVELS:
        raise InvalidInput(
            f"Unknown layer '{level}'; use one of {', '.join(LAYER_LEVELS)}.",
            errors=[FieldError("level", f"one of {', '.join(LAYER_LEVELS)}")],
        )
    if tolerance < 0:
        raise InvalidInput("tolerance must be ≥ 0 (metres)", errors=[FieldError("tolerance", "must be ≥ 0")])
    if start is not None and end is not None and end <= start:
        raise InvalidInput("'to' must be after 'from'", errors=[FieldError("to", "must be after 'from'")])
    rows: list[tuple[str, str, str | None, bytes | None]]
    if level == "duty_grid":
        query = select(DutyGridRow.code, DutyGridRow.name, DutyGridRow.community_code, DutyGridRow.geometry)
        if within:
            query = query.where(DutyGridRow.code.startswith(within))
        rows = [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]
    else:
        query = select(AreaShapeRow.code, AreaShapeRow.name, AreaShapeRow.parent_code, AreaShapeRow.geometry)
        query = query.where(AreaShapeRow.level == level)
        if within:
            query = query.where(AreaShapeRow.code.startswith(within))
        rows = [tuple(r) for r in session.execute(query.order_by(AreaShapeRow.code)).all()]  # type: ignore[misc]
    rows = [r for r in rows if r[3] is not None]
    counts = counts or {}
    features: list[dict[str, Any]] = []
    if rows:
        geoms = shapely.from_wkb([r[3] for r in rows])
        if tolerance > 0:
            geoms = shapely.simplify(geoms, tolerance / shapes.M_PER_DEG_LAT, preserve_topology=True)
        geoms = shapely.set_precision(geoms, 1e-6)
        texts = shapely.to_geojson(geoms)
        for (code, name, parent, _wkb), text in zip(rows, texts, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "id": code,
                    "properties": {
                        "code": code,
                        "name": name,
                        "level": level,
                        "parent_code": parent,
                        "cases": counts.get(code, (0, 0, 0))[0],
                        "open": counts.get(code, (0, 0, 0))[1],
                        "overdue": counts.get(code, (0, 0, 0))[2],
                    },
                    "geometry": json.loads(text),
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "level": level,
            "tolerance_m": tolerance,
            "crs": "wgs84",
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "total_cases": sum(f["properties"]["cases"] for f in features),
        },
    }


@dataclass(frozen=True)
class CaseLocation:
    """Where a case is: the chosen area (None when unknown or ambiguous), the candidates, and how."""

    match: AreaMatch | None
    candidates: list[AreaMatch]
    method: str  # point | text | ambiguous | none


def locate_case_area(
    locator: Locator,
    *,
    lng: float | None = None,
    lat: float | None = None,
    crs: str | None = None,
    text: str = "",
    min_confidence: float = 0.5,
) -> CaseLocation:
    """The area of a case: from its point when given, else from its text when one candidate stands out."""
    if lng is not None and lat is not None:
        if not crs:
            raise InvalidInput(
                "A point needs its coordinate system (wgs84, gcj02 or bd09).",
                errors=[FieldError("crs", "required with a point")],
            )
        match = locator.locate_point(lng, lat, crs)
        if match is not None:
            return CaseLocation(match=match, candidates=[match], method="point")
    candidates = locator.locate_text(text) if text else []
    if not candidates:
        return CaseLocation(match=None, candidates=[], method="none")
    best = candidates[0]
    tied = len(candidates) > 1 and candidates[1].confidence >= best.confidence - 1e-9
    if tied or best.confidence < min_confidence:
        return CaseLocation(match=None, candidates=candidates, method="ambiguous")
    return CaseLocation(match=best, candidates=candidates, method="text")


def area_names(session: Session) -> Mapping[str, tuple[str, str]]:
    """(name, level) of every stored area keyed by code (districts, streets, communities)."""
    query = select(AreaShapeRow.code, AreaShapeRow.name, AreaShapeRow.level)
    query = query.where(AreaShapeRow.level != Level.GRID.value)
    return {code: (name, level) for code, name, level in session.execute(query).all()}


def cell_boxes(session: Session) -> list[tuple[float, float, float, float]]:
    """Bounding boxes (min lng, min lat, max lng, max lat; WGS-84) of the stored unit cells."""
    rows = session.execute(
        select(AreaShapeRow.min_lng, AreaShapeRow.min_lat, AreaShapeRow.max_lng, AreaShapeRow.max_lat).where(
            AreaShapeRow.level == Level.GRID.value
        )
    ).all()
    return [(a, b, c, d) for a, b, c, d in rows]
