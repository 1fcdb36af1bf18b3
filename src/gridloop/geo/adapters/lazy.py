"""A Locator that builds the real one from the database on first use (nothing is built at import or start-up)."""

from __future__ import annotations

from pathlib import Path
from threading import Lock

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from gridloop.geo.tables import AreaShapeRow
from gridloop.kernel.ports import AreaMatch, Locator


class LazyLocator:
    """Loads every stored area once, when first asked; with no areas stored it locates nothing."""

    def __init__(self, engine: Engine, *, street_csv: Path | None = None) -> None:
        self._engine = engine
        self._street_csv = street_csv if street_csv is not None and street_csv.is_file() else None
        self._lock = Lock()
        self._inner: Locator | None = None
        self._empty = False

    def _get(self) -> Locator | None:
        if self._inner is None and not self._empty:
            with self._lock:
                if self._inner is None and not self._empty:
                    from gridloop.geo.adapters.locator import GeoLocator

                    with Session(self._engine) as session:
                        if not session.scalar(select(func.count()).select_from(AreaShapeRow)):
                            self._empty = True
                            return None
                        self._inner = GeoLocator.from_session(session, street_csv=self._street_csv)
        return self._inner

    def reset(self) -> None:
        """Forget the loaded areas (after an import in this process)."""
        with self._lock:
            self._inner, self._empty = None, False

    def locate_point(self, lng: float, lat: float, crs: str) -> AreaMatch | None:
        """Area of a point (None when no areas are stored or the point is outside them)."""
        inner = self._get()
        return inner.locate_point(lng, lat, crs) if inner else None

    def locate_text(self, text: str) -> list[AreaMatch]:
        """Areas named in text (empty when no areas are stored)."""
        inner = self._get()
        return inner.locate_text(text) if inner else []

    @property
    def has_areas(self) -> bool:
        """Whether any area is stored."""
        return self._get() is not None
