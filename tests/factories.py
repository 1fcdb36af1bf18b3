"""Plain factory functions with overridable defaults."""

from __future__ import annotations

from typing import Any

PUTUO_GRID = "31010700100101"
YANGPU_GRID = "31011000100101"


def case_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/cases body (a housing complaint in 普陀区)."""
    body: dict[str, Any] = {
        "title": "楼道墙面渗水",
        "text": "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理，请尽快解决。",
        "channel": "phone",
        "request_type": "complaint",
        "category": "城乡建设",
        "area_code": PUTUO_GRID,
        "reporter": {"name": "张三", "phone": "13812345678"},
    }
    body.update(overrides)
    return body
