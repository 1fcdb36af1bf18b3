"""`gridloop geo …`: import boundaries, build the demo city or a grid, locate an address or a point."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from gridloop.kernel.org import Level
from gridloop.platform.cli.common import DbOption, container_for

geo_app = typer.Typer(name="geo", help="Geography: boundaries, unit grid, duty grids, locating.", no_args_is_help=True)

CrsOption = Annotated[str, typer.Option("--crs", help="Coordinate system of the input: wgs84, gcj02 or bd09.")]
_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$")


def register(app: typer.Typer) -> None:
    """Attach the `geo` commands to the main CLI."""
    app.add_typer(geo_app, name="geo")


@contextmanager
def _session(db: str | None) -> Iterator[Session]:
    """A session of the container's unit of work (the services commit)."""
    with container_for(db).uow() as uow:
        yield uow.session


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        print(f"  {stage}: {done}/{total}", file=sys.stderr)


def _crs(value: str) -> str:
    from gridloop.geo.adapters.coords import CRS_NAMES

    if value not in CRS_NAMES:
        raise typer.BadParameter(f"'{value}' is not a CRS; use one of {', '.join(CRS_NAMES)}", param_hint="--crs")
    return value


@geo_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON FeatureCollection.")],
    level: Annotated[str, typer.Option(help="district, street, community or grid")],
    crs: CrsOption,
    code_field: Annotated[str, typer.Option(help="Property holding the GB/T area code.")] = "code",
    name_field: Annotated[str, typer.Option(help="Property holding the area name.")] = "name",
    code_prefix: Annotated[
        str | None, typer.Option(help="Import only features whose code starts with this (e.g. 3101).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Import boundaries, validated as a whole: a bad file is refused with every problem listed."""
    from gridloop.geo.services.geography import import_boundaries

    if level not in ("district", "street", "community", "grid"):
        raise typer.BadParameter("use district, street, community or grid", param_hint="--level")
    with _session(db) as session:
        report = import_boundaries(
            session, path=file, level=Level(level), crs=_crs(crs), now=datetime.now(UTC),
            code_field=code_field, name_field=name_field, code_prefix=code_prefix,
        )  # fmt: skip
    counts = f"{report.replaced} replaced, {report.skipped} skipped"
    print(f"imported {report.imported} {report.level} area(s) ({counts})")


@geo_app.command("demo")
def demo(
    cells: Annotated[int, typer.Option(min=0, max=200_000, help="About how many unit cells to generate.")] = 3000,
    cell_area: Annotated[float, typer.Option(min=100, help="Cell area in m² (万米网格 = 10000).")] = 10_000.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same city).")] = 0,
    db: DbOption = None,
) -> None:
    """Build the demo city: 16 real districts, generated streets, communities, cells and duty grids."""
    from gridloop.geo.services.generate import generate_demo_city

    with _session(db) as session:
        report = generate_demo_city(
            session,
            now=datetime.now(UTC),
            cells_target=cells,
            cell_area=cell_area,
            seed=seed,
            progress=_progress,
        )
    print(json.dumps(asdict(report), ensure_ascii=False))


@geo_app.command("grid")
def grid(
    cell_area: Annotated[float, typer.Option(min=100, help="Cell area in m².")] = 10_000.0,
    within: Annotated[str | None, typer.Option(help="Only communities under this area code.")] = None,
    cells: Annotated[
        int,
        typer.Option(min=0, max=200_000, help="When no area is stored: build the demo city with this many."),
    ] = 40_000,
    db: DbOption = None,
) -> None:
    """Grid the stored communities that have no cells; on an empty geography, build the real-scale demo."""
    from sqlalchemy import select

    from gridloop.geo.services.generate import generate_demo_city, grid_communities
    from gridloop.geo.tables import AreaShapeRow

    with _session(db) as session:
        if session.scalar(select(AreaShapeRow.id).limit(1)) is None:
            print("no area stored: building the demo city", file=sys.stderr)
            report: object = generate_demo_city(
                session, now=datetime.now(UTC), cells_target=cells, cell_area=cell_area, progress=_progress
            )
        else:
            report = grid_communities(
                session, now=datetime.now(UTC), cell_area=cell_area, within=within, progress=_progress
            )
    print(json.dumps(asdict(report), ensure_ascii=False))  # type: ignore[call-overload]


@geo_app.command("locate")
def locate(
    query: Annotated[str, typer.Argument(help="An address in Chinese, or 'lng,lat'.")],
    crs: CrsOption = "wgs84",
    db: DbOption = None,
) -> None:
    """Locate an address (gazetteer) or a point (shapes) and print the candidates as JSON."""
    from gridloop.config import get_settings
    from gridloop.geo.adapters.locator import GeoLocator

    gazetteer_csv = get_settings().shared_data_dir / "geo" / "shanghai_streets_gazetteer.csv"
    with _session(db) as session:
        locator = GeoLocator.from_session(session, street_csv=gazetteer_csv)
    point = _POINT.match(query)
    if point:
        match = locator.locate_point(float(point.group(1)), float(point.group(2)), _crs(crs))
        out = [asdict(match)] if match else []
    else:
        out = [asdict(m) for m in locator.locate_text_matches(query)]
    print(json.dumps(out, ensure_ascii=False, indent=2))


@geo_app.command("role-add")
def role_add(
    code: Annotated[str, typer.Argument(help="Role code, e.g. city_mgmt.")],
    zh: Annotated[str, typer.Option("--zh", help="Chinese label, e.g. 城管.")],
    en: Annotated[str, typer.Option("--en", help="English label.")],
    db: DbOption = None,
) -> None:
    """Add a duty role carried by every duty grid (城运, 警务, 综治, 党建 are seeded)."""
    from gridloop.geo.services.geography import add_duty_role

    with _session(db) as session:
        added = add_duty_role(session, code=code, name_zh=zh, name_en=en)
    print(f"duty role {code} {'added' if added else 'already exists'}")


@geo_app.command("assign")
def assign(
    duty_grid: Annotated[str, typer.Option("--duty-grid", help="Duty grid code, e.g. 310107010007G01.")],
    role: Annotated[str, typer.Option("--role", help="Duty role code, e.g. police.")],
    user: Annotated[str, typer.Option("--user", help="Username of the grid worker.")],
    db: DbOption = None,
) -> None:
    """Put a grid worker on duty for a role in a duty grid."""
    from gridloop.geo.services.geography import assign_worker_by_name

    with _session(db) as session:
        assign_worker_by_name(session, duty_grid_code=duty_grid, role_code=role, username=user, now=datetime.now(UTC))
    print(f"{user} is on duty for {role} in {duty_grid}")
