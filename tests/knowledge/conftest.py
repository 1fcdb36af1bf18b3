"""Fixtures of the knowledge-base tests: the shared KB data (required when CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shared_kb() -> Path:
    """../shared/data/kb relative to the repository; fails under CI when absent, skips otherwise."""
    kb = REPO.parent / "shared" / "data" / "kb"
    if not (kb / "faq_beijing_msgabench.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared KB data missing at {kb}")
        pytest.skip(f"shared KB data absent ({kb})")
    return kb
