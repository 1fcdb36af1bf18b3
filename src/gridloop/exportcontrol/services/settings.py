"""Administrator settings: what applies after a suspension window, valuation basis and currency rates.

Stored as rows with who confirmed them and when; read into the domain's Context for every screening.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.exportcontrol.domain.regimes import SUSPENSIONS, AfterSuspension, AfterSuspensionSetting
from gridloop.exportcontrol.domain.valuation import ValuationSettings
from gridloop.exportcontrol.tables import ExportControlSettingRow
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.db.uow import UnitOfWork

AFTER_PREFIX = "after_suspension:"
VALUATION_KEY = "valuation"
BASES = ("transaction_value", "fob", "cif", "ex_works", "customs_value", "declared_value")


def _row(session: Session, key: str) -> ExportControlSettingRow | None:
    return session.get(ExportControlSettingRow, key)


def after_suspension_settings(session: Session) -> dict[str, AfterSuspensionSetting]:
    """Every after-suspension setting, keyed by suspension id (missing ones are UNCONFIRMED)."""
    out: dict[str, AfterSuspensionSetting] = {}
    for window in SUSPENSIONS:
        row = _row(session, AFTER_PREFIX + window.id)
        if row is None:
            out[window.id] = AfterSuspensionSetting(window.id)
            continue
        out[window.id] = AfterSuspensionSetting(
            window.id,
            AfterSuspension(row.value["value"]),
            confirmed_by=row.confirmed_by,
            confirmed_at=row.confirmed_at.isoformat(),
            note=row.note,
        )
    return out


def set_after_suspension(
    uow: UnitOfWork, suspension_id: str, *, value: str, by: str, now: datetime, note: str = ""
) -> AfterSuspensionSetting:
    """Record what an administrator confirmed applies after the window `suspension_id` ends."""
    if suspension_id not in {s.id for s in SUSPENSIONS}:
        known = ", ".join(s.id for s in SUSPENSIONS)
        raise InvalidInput(f"Unknown suspension {suspension_id!r}; known: {known}.")
    try:
        parsed = AfterSuspension(value)
    except ValueError:
        allowed = ", ".join(v.value for v in AfterSuspension)
        raise InvalidInput(f"Unknown after-suspension value {value!r}; allowed: {allowed}.") from None
    if not by.strip():
        raise InvalidInput("Say who confirms the setting (--by).")
    _put(uow.session, AFTER_PREFIX + suspension_id, {"value": parsed.value}, by=by, now=now, note=note)
    uow.commit()
    return after_suspension_settings(uow.session)[suspension_id]


def valuation_settings(session: Session) -> ValuationSettings:
    """The valuation settings (defaults: transaction value in CNY, no conversion rates)."""
    row = _row(session, VALUATION_KEY)
    if row is None:
        return ValuationSettings()
    value = row.value
    return ValuationSettings(
        basis=value.get("basis", "transaction_value"),
        reference_currency=value.get("reference_currency", "CNY"),
        rates={k: Decimal(v) for k, v in value.get("rates", {}).items()},
        rates_as_of=value.get("rates_as_of", ""),
        rates_source=value.get("rates_source", ""),
        confirmed_by=row.confirmed_by,
    )


def set_valuation(
    uow: UnitOfWork,
    *,
    basis: str,
    reference_currency: str,
    rates: Mapping[str, str],
    rates_as_of: str,
    rates_source: str,
    by: str,
    now: datetime,
) -> ValuationSettings:
    """Record the valuation basis and currency rates (units of the reference currency per unit)."""
    if basis not in BASES:
        raise InvalidInput(f"Unknown valuation basis {basis!r}; allowed: {', '.join(BASES)}.")
    clean: dict[str, str] = {}
    for code, text in rates.items():
        if len(code) != 3 or not code.isalpha():
            raise InvalidInput(f"Not a currency code: {code!r} (e.g. USD).")
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f"Rate of {code} is not a number: {text!r}.") from None
        if rate <= 0:
            raise InvalidInput(f"Rate of {code} must be positive.")
        clean[code.upper()] = str(rate)
    if not by.strip():
        raise InvalidInput("Say who confirms the setting (--by).")
    value = {
        "basis": basis,
        "reference_currency": reference_currency.upper(),
        "rates": clean,
        "rates_as_of": rates_as_of,
        "rates_source": rates_source,
    }
    _put(uow.session, VALUATION_KEY, value, by=by, now=now)
    uow.commit()
    return valuation_settings(uow.session)


def _put(session: Session, key: str, value: dict[str, Any], *, by: str, now: datetime, note: str = "") -> None:
    row = _row(session, key)
    if row is None:
        row = ExportControlSettingRow(key=key)
        session.add(row)
    row.value = value
    row.confirmed_by = by
    row.confirmed_at = now
    row.note = note


def all_settings(session: Session) -> list[dict[str, Any]]:
    """Every stored setting row, for display."""
    rows = session.scalars(select(ExportControlSettingRow).order_by(ExportControlSettingRow.key))
    return [
        {"key": r.key, "value": r.value, "confirmed_by": r.confirmed_by, "confirmed_at": r.confirmed_at.isoformat(),
         "note": r.note}
        for r in rows
    ]  # fmt: skip
