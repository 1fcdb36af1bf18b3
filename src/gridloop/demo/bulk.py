"""Many demo cases fast (bulk INSERTs through the cases' bulk service): for benchmarks and browser tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from gridloop.cases.services.bulk import BulkTexts, bulk_cases
from gridloop.demo.city import DISTRICT_DEPARTMENTS, PLACES, TEMPLATES


def demo_texts() -> BulkTexts:
    """The demo city's complaint templates, places and department per category."""
    return BulkTexts(
        templates=TEMPLATES,
        places=PLACES,
        departments={category: suffix for suffix, _name, category in DISTRICT_DEPARTMENTS},
    )


def bulk_demo_cases(
    session: Session,
    *,
    count: int,
    now: datetime,
    days: int = 365,
    seed: int = 7,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `count` demo cases received over the last `days` days (not committed); returns how many."""
    return bulk_cases(
        session, count=count, now=now, texts=demo_texts(), days=days, seed=seed, batch=batch, progress=progress
    )
