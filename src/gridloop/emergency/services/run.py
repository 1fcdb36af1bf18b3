"""The replay use case over files: readings CSV in, CAP files and a warning log out (optionally the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gridloop.emergency.adapters.cap_checks import CapSchema, conformance_problems
from gridloop.emergency.adapters.message_dir import DirectorySink
from gridloop.emergency.adapters.readings_csv import SHANGHAI, read_readings
from gridloop.emergency.adapters.rules_file import load_areas, load_rules
from gridloop.emergency.domain.cap import CapComposer, CapMessage, CapProfile
from gridloop.emergency.services.replay import Check, MessageSink, replay
from gridloop.emergency.services.warnings import record_warnings
from gridloop.platform.db.uow import UnitOfWork

SHARED_XSD = Path("emergency/cap/CAP-v1.2.xsd")


def default_xsd() -> Path | None:
    """The CAP schema in the shared data folder, when it is there."""
    from gridloop.config import get_settings

    path = get_settings().shared_data_dir / SHARED_XSD
    return path if path.is_file() else None


def replay_file(
    readings_path: Path,
    *,
    out: Path,
    rules_path: Path | None = None,
    xsd: Path | None = None,
    admin_code: str = "310000",
    org_code: str = "000",
    sender: str = "emergency@gridloop.example",
    sender_name: str = "gridloop 城运中心",
    status: str = "Actual",
    naive_tz: ZoneInfo = SHANGHAI,
    uow: Callable[[], UnitOfWork] | None = None,
    outbox: Any = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Replay a readings file through the rules; every message is checked before it is written (and stored)."""
    rules = load_rules(rules_path)
    profile = CapProfile(
        sender=sender, sender_name=sender_name, admin_code=admin_code, org_code=org_code, status=status
    )
    composer = CapComposer(profile=profile, areas=load_areas(rules_path))
    checks: list[Check] = [lambda xml: conformance_problems(xml, gbt35965=True, offset="+08:00")]
    schema_path = xsd or default_xsd()
    if schema_path is not None:
        checks.append(CapSchema.load(schema_path).problems)
    kept: list[CapMessage] = []
    with DirectorySink(out) as folder:
        sink = _Tee(folder, kept) if uow is not None else folder
        summary = replay(
            read_readings(readings_path, naive_tz=naive_tz), rules=rules, composer=composer, sink=sink, checks=checks
        )
    stored = None
    if uow is not None:
        at = now or (kept[-1].transition.at if kept else datetime.now(UTC))
        stored = record_warnings(kept, uow=uow, status=status, outbox=outbox, now=at)
    return {
        "readings": summary.readings,
        "messages": summary.messages,
        "first": summary.first.isoformat() if summary.first else None,
        "last": summary.last.isoformat() if summary.last else None,
        "by_transition": dict(summary.by_transition),
        "by_colour": dict(summary.by_colour),
        "rules": [r.id for r in rules],
        "schema": str(schema_path) if schema_path else None,
        "out": str(out),
        "stored": stored,
    }


class _Tee:
    """Writes to a sink and keeps each message for the database."""

    def __init__(self, sink: MessageSink, kept: list[CapMessage]) -> None:
        self.sink, self.kept = sink, kept

    def write(self, message: CapMessage) -> None:
        self.sink.write(message)
        self.kept.append(message)
