"""Readings from a long-format CSV: ts (or ts_local), station_id, metric, value, unit; empty value = missing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from gridloop.emergency.domain.rules import Reading
from gridloop.kernel.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
_COLUMNS = {"station_id", "metric", "value", "unit"}


def read_readings(path: Path, *, naive_tz: ZoneInfo = SHANGHAI) -> Iterator[Reading]:
    """Stream the readings of a CSV file; times without an offset are taken in `naive_tz`."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        ts_column = "ts" if "ts" in header else "ts_local"
        if ts_column not in header or not header >= _COLUMNS:
            raise InvalidInput(
                f"{path}: columns must be ts (or ts_local), station_id, metric, value, unit; got {sorted(header)}"
            )
        zones: dict[object, tzinfo] = {}  # one tzinfo object per offset: aware comparisons stay on the fast path
        for line, row in enumerate(reader, start=2):
            try:
                ts = datetime.fromisoformat(row[ts_column])
                if ts.tzinfo is not None:
                    offset = ts.utcoffset()
                    ts = ts.replace(tzinfo=zones.setdefault(offset, ts.tzinfo))
                raw = (row["value"] or "").strip()
                value = float(raw) if raw else None
            except ValueError as exc:
                raise InvalidInput(f"{path}:{line}: {exc}") from None
            yield Reading(
                ts=ts if ts.tzinfo else ts.replace(tzinfo=naive_tz),
                station_id=row["station_id"],
                metric=row["metric"],
                value=value,
                unit=row["unit"],
            )
