"""Helpers of the geography tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path


def shared_geo_dir() -> Path:
    """`<shared_data_dir>/geo`: fails in CI when absent, skips elsewhere."""
    from tests.shared_data import shared_path

    return shared_path("geo")


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def square(code: str, name: str, x0: float, y0: float, size: float, **extra) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **extra},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
