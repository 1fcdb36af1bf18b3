"""Fixtures of the emergency tests: the shared data folder (read in place, never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gridloop.config import Settings

REPO = Path(__file__).resolve().parents[2]


def _shared_emergency_dir() -> Path:
    shared = Settings().shared_data_dir
    if not shared.is_absolute():
        shared = (REPO / shared).resolve()
    return shared / "emergency"


@pytest.fixture(scope="session")
def emergency_data() -> Path:
    """`../shared/data/emergency`: a test that needs it fails on CI when it is missing, and skips elsewhere."""
    folder = _shared_emergency_dir()
    if not (folder / "README.md").is_file():
        message = f"shared emergency data missing at {folder} (set GRIDLOOP_SHARED_DATA_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder
