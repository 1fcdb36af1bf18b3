"""Benchmark: locate 1,000,000 random points over a real-scale demo city (~40,000 unit cells).

Whole path = GeoLocator.locate_points(lng, lat, "gcj02"): GCJ-02 → WGS-84 conversion, ownership raster +
STRtree lookup, codes of cell, community, street, district and duty grid. Baseline, same run, same cells:
`shapely.points` + `STRtree(cells).query(points, predicate="within")` on WGS-84 points (no conversion, no
codes). Also reported: the STRtree-only path (ownership raster off) and locate_text calls/s on the messages of
`<shared_data_dir>/messages/hot_issues.csv`. Prints JSON.

    PYTHONPATH=src python bench/locate.py [--points 1000000] [--cells 40000] [--db sqlite:///var/bench_geo.db]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import select

from gridloop import schema
from gridloop.config import Settings
from gridloop.geo.adapters import coords
from gridloop.geo.adapters.locator import GeoLocator
from gridloop.geo.services.generate import generate_demo_city
from gridloop.geo.tables import AreaShapeRow
from gridloop.platform.db.engine import build_engine, session_factory


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--cells", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", default=None, help="database URL; a temporary SQLite file by default")
    args = parser.parse_args()

    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_geo.db'}"
    engine = build_engine(url)
    schema.metadata().create_all(engine)
    factory = session_factory(engine)
    with factory() as session:
        built = None
        if session.scalar(select(AreaShapeRow.id).limit(1)) is None:
            built = generate_demo_city(session, now=datetime.now(UTC), cells_target=args.cells, seed=0)
        start = time.perf_counter()
        locator = GeoLocator.from_session(session, street_csv=Settings().shared_data_dir / "geo"
                                          / "shanghai_streets_gazetteer.csv")  # fmt: skip
        load_s = time.perf_counter() - start
        cell_wkb = session.scalars(select(AreaShapeRow.geometry).where(AreaShapeRow.level == "grid")).all()
    cells = shapely.from_wkb(cell_wkb)
    tree = shapely.STRtree(cells)
    bounds = shapely.total_bounds(cells)

    rng = np.random.default_rng(42)
    wgs_lng = rng.uniform(bounds[0], bounds[2], args.points)
    wgs_lat = rng.uniform(bounds[1], bounds[3], args.points)
    gcj_lng, gcj_lat = coords.wgs84_to_gcj02(wgs_lng, wgs_lat)  # what a phone map app would send

    def baseline():
        return tree.query(shapely.points(wgs_lng, wgs_lat), predicate="within")

    def whole_path():
        return locator.locate_points(gcj_lng, gcj_lat, "gcj02")

    def whole_path_wgs84():
        return locator.locate_points(wgs_lng, wgs_lat, "wgs84")

    base_s, pairs = _best(baseline, args.repeats)
    ours_s, matches = _best(whole_path, args.repeats)
    wgs_s, _ = _best(whole_path_wgs84, args.repeats)
    start = time.perf_counter()
    coords.gcj02_to_wgs84(gcj_lng, gcj_lat)
    convert_s = time.perf_counter() - start
    raster, locator._lattice = locator._lattice, None
    generic_s, generic = _best(whole_path, args.repeats)
    locator._lattice = raster
    in_cell = matches.cell_codes != None  # noqa: E711 (object array)
    agree = float(np.mean(matches.leaf == generic.leaf))

    texts = []
    hot = Settings().shared_data_dir / "messages" / "hot_issues.csv"
    if hot.is_file():
        with hot.open(encoding="utf-8") as handle:
            texts = [f"{r['留言主题']} {r['留言详情']}" for r in csv.DictReader(handle)]
    text_rate = None
    if texts:
        start = time.perf_counter()
        found = sum(1 for t in texts if locator.locate_text(t))
        text_s = time.perf_counter() - start
        text_rate = round(len(texts) / text_s)

    base_rate = args.points / base_s
    ours_rate = args.points / ours_s
    print(json.dumps({
        "points": args.points,
        "cells": len(cells),
        "build_demo_city_s": built.seconds if built else None,
        "demo_city": built.__dict__ if built else None,
        "locator_load_s": round(load_s, 3),
        "baseline_strtree_within_points_per_s": round(base_rate),
        "baseline_points_in_a_cell": len(np.unique(pairs[0])),
        "whole_path_gcj02_points_per_s": round(ours_rate),
        "whole_path_points_in_a_cell": int(in_cell.sum()),
        "ratio": round(ours_rate / base_rate, 3),
        "whole_path_wgs84_points_per_s": round(args.points / wgs_s),
        "gcj02_to_wgs84_conversion_s": round(convert_s, 3),
        "ownership_raster_slots": int(raster.slots.size) if raster is not None else 0,
        "ownership_raster_owned_fraction": round(float((raster.slots >= 0).mean()), 3) if raster else 0.0,
        "strtree_only_path_gcj02_points_per_s": round(args.points / generic_s),
        "strtree_only_ratio": round((args.points / generic_s) / base_rate, 3),
        "raster_vs_strtree_only_agreement": round(agree, 6),
        "locate_text_messages": len(texts),
        "locate_text_calls_per_s": text_rate,
        "locate_text_messages_with_a_match": found if texts else None,
    }, ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
