"""The public datasets in ../shared/data: a goal test needs them. In CI (CI=true) a missing file fails the test;
elsewhere it is skipped with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_path(*parts: str) -> Path:
    """`<GRIDLOOP_SHARED_DATA_DIR or ../shared/data>/<parts>` (relative to the repository, not the working folder)."""
    from gridloop.config import Settings

    base = Settings().shared_data_dir
    if not base.is_absolute():
        base = (ROOT / base).resolve()
    path = base.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data {path} is absent in CI: the goal this test states cannot be checked")
        pytest.skip(f"shared data {path} is absent (set GRIDLOOP_SHARED_DATA_DIR)")
    return path
