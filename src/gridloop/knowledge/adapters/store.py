"""A file store of imported records with a persisted search index, kept next to the database.

Until the knowledge tables are in the database, records live in `<db path>.kb/records.jsonl` (SQLite URLs) or
`var/kb/<hash of URL>/`; the index is rebuilt only when the records change, so a second search call is fast.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from sqlalchemy.engine import make_url

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record


def store_dir(database_url: str) -> Path:
    """Where the records and index of this database live."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{url.database}.kb")
    return Path("var") / "kb" / hashlib.sha256(database_url.encode()).hexdigest()[:12]


class FileStore:
    """Records keyed by source id (a re-import replaces), and the index built from them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._records = root / "records.jsonl"
        self._index = root / "index"

    def records(self) -> list[Record]:
        """Every stored record, in import order."""
        if not self._records.exists():
            return []
        with self._records.open(encoding="utf-8") as fh:
            return [Record(**json.loads(line)) for line in fh if line.strip()]

    def put(self, records: Iterable[Record]) -> tuple[int, int]:
        """Add or replace records by source id; (added, replaced)."""
        current = {r.source_id: r for r in self.records()}
        added = replaced = 0
        for r in records:
            if r.source_id in current:
                replaced += 1
            else:
                added += 1
            current[r.source_id] = r
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._records.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for r in current.values():
                fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
        tmp.replace(self._records)
        return added, replaced

    def _fingerprint(self) -> str:
        st = self._records.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def index(self) -> LexicalIndex:
        """The search index of the stored records, loaded from disk or rebuilt when stale."""
        if not self._records.exists():
            return LexicalIndex.build([])
        stamp = self._index / "fingerprint"
        if stamp.exists() and stamp.read_text() == self._fingerprint():
            return LexicalIndex.load(self._index)
        index = LexicalIndex.build(self.records())
        if self._index.exists():
            shutil.rmtree(self._index)
        index.save(self._index)
        stamp.write_text(self._fingerprint())
        return index
