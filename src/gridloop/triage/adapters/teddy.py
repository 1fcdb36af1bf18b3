"""Reading the 2020 Teddy Cup message files: their Chinese column names are translated here, once."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

from gridloop.triage.domain.hotspots import Message

HOT_COLUMNS = {
    "留言编号": "key",
    "留言用户": "user",
    "留言主题": "title",
    "留言时间": "when",
    "留言详情": "text",
    "点赞数": "likes",
    "反对数": "dislikes",
}
"""附件3 column → Message field. Unknown or missing required columns fail loudly."""

REQUIRED = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情")


def read_hot_messages(path: Path) -> list[Message]:
    """Messages of a hot_issues.csv-style file (附件3 columns; likes/dislikes optional)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise ValueError(f"{path.name} lacks columns {', '.join(missing)}; expected {', '.join(HOT_COLUMNS)}")
        out = []
        for rec in reader:
            out.append(
                Message(
                    key=rec["留言编号"],
                    user=rec["留言用户"],
                    title=rec["留言主题"] or "",
                    text=rec["留言详情"] or "",
                    when=datetime.fromisoformat(rec["留言时间"].replace("/", "-")),
                    likes=int(rec.get("点赞数") or 0),
                    dislikes=int(rec.get("反对数") or 0),
                )
            )
    return out
