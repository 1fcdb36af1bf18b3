"""Cells for spreadsheets (CSV, xlsx): text that a spreadsheet program would run as a formula is neutralised."""

from __future__ import annotations

from typing import Any

#: A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value with a leading apostrophe when it is non-empty text that starts like a formula; else unchanged."""
    if isinstance(value, str) and value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
