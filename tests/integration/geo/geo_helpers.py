"""Helpers of the geography tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def shared_geo_dir() -> Path:
    """`<shared_data_dir>/geo`, or skip the test when the shared data is absent (CI has it)."""
    from gridloop.config import Settings

    folder = Settings().shared_data_dir / "geo"
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data folder {folder} is absent in CI")
        pytest.skip(f"shared data folder {folder} is absent (set GRIDLOOP_SHARED_DATA_DIR)")
    return folder


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
