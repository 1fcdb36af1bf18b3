"""The persisted search index, kept next to the database so a second search call does not rebuild it.

For a SQLite database `path.db` the cache is `path.db.kb-index/`; for other URLs `var/kb-index/<hash of URL>/`.
The cache carries a stamp (the articles' fingerprint and the day); a different stamp, or an index saved with other
`SearchParams` (an upgrade changed a weight), means rebuild.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

from gridloop.knowledge.adapters.lexical import LexicalIndex, SearchParams


def cache_dir(database_url: str) -> Path:
    """Where the index of this database is cached."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{url.database}.kb-index")
    return Path("var") / "kb-index" / hashlib.sha256(database_url.encode()).hexdigest()[:12]


class IndexCache:
    """One saved index and the stamp it was built for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp = root / "stamp"

    def load(self, stamp: str) -> LexicalIndex | None:
        """The saved index if it was built for this stamp with today's parameters, else None."""
        if self._stamp.exists() and self._stamp.read_text(encoding="utf-8") == stamp:
            index = LexicalIndex.load(self.root / "index")
            return index if index.params == SearchParams() else None
        return None

    def save(self, index: LexicalIndex, stamp: str) -> None:
        """Replace the saved index."""
        if (self.root / "index").exists():
            shutil.rmtree(self.root / "index")
        index.save(self.root / "index")
        self._stamp.write_text(stamp, encoding="utf-8")
