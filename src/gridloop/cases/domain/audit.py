"""The hash chain of case events: each event's hash covers its canonical JSON and the hashes before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: The fields of an event that its hash covers (its id is not: the chain itself fixes the order).
FIELDS = ("case_id", "at", "actor_id", "actor_name", "actor_role", "action", "from_status", "to_status", "note")
#: prev_hash of the very first event, globally and per case.
GENESIS = "0" * 64


def _at(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def canonical(event: Mapping[str, Any], *, prev_hash: str, case_prev_hash: str) -> str:
    """The canonical JSON of an event: sorted keys, UTC times, no spaces."""
    body: dict[str, Any] = {name: event.get(name) for name in FIELDS}
    body["at"] = _at(body["at"])
    body["payload"] = event.get("payload") or {}
    body["prev_hash"] = prev_hash
    body["case_prev_hash"] = case_prev_hash
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(event: Mapping[str, Any], *, prev_hash: str, case_prev_hash: str) -> str:
    """SHA-256 of the canonical JSON."""
    return hashlib.sha256(canonical(event, prev_hash=prev_hash, case_prev_hash=case_prev_hash).encode()).hexdigest()
