"""Score units' replies read from a table with the 12345 message columns (留言主题, 留言详情, 答复意见, times)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from gridloop.kernel.errors import FieldError, InvalidInput
from gridloop.knowledge.domain.reply_quality import score_reply

COLUMNS = ("留言编号", "留言主题", "留言详情", "答复意见", "留言时间", "答复时间")


def score_rows(rows: Iterable[dict[str, str]], *, limit_days: int = 15) -> Iterator[dict[str, Any]]:
    """One row of scores per reply row (a missing column or unreadable time fails loudly)."""
    for n, row in enumerate(rows, 1):
        missing = [FieldError(c, "missing column") for c in COLUMNS if c not in row]
        if missing:
            raise InvalidInput(f"row {n} lacks a column", errors=missing)
        try:
            asked, answered = datetime.fromisoformat(row["留言时间"]), datetime.fromisoformat(row["答复时间"])
        except ValueError:
            raise InvalidInput(f"row {n}: 留言时间/答复时间 not ISO times") from None
        s = score_reply(
            row["答复意见"],
            subject=row["留言主题"],
            detail=row["留言详情"],
            asked=asked,
            answered=answered,
            limit_days=limit_days,
        )
        yield {
            "留言编号": row["留言编号"],
            "relevance": s.relevance,
            "completeness": s.completeness,
            "interpretability": s.interpretability,
            "timeliness": s.timeliness,
            "overall": s.overall,
        }
