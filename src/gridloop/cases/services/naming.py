"""Names of the unit and area codes a page shows (so the console never shows a bare 310107-FG)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridloop.cases.domain.wording import codes_in, in_chinese
from gridloop.platform.org.tables import UnitRow


def code_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """code → name for unit codes and area (GB/T) codes, in one query."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.execute(
        select(UnitRow.code, UnitRow.area_code, UnitRow.name).where(
            or_(UnitRow.code.in_(wanted), UnitRow.area_code.in_(wanted))
        )
    ).all()
    names: dict[str, str] = {}
    for code, area_code, name in rows:
        if area_code in wanted:
            names.setdefault(area_code, name)
        if code in wanted:
            names[code] = name
    return names


def reason_teller(session: Session, reasons: Iterable[str | None], *, lang: str) -> Callable[[str | None], str]:
    """A function the page calls on each machine reason: Chinese with named codes (zh), or as stored (en)."""
    texts = list(reasons)
    if lang != "zh":
        return lambda reason: reason or ""
    names = code_names(session, codes_in(*texts))
    return lambda reason: in_chinese(reason, names)
