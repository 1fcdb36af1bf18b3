"""Import records into the knowledge base and search it (one query or a batch)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gridloop.knowledge.adapters.lexical import Hit, LexicalIndex, Record
from gridloop.knowledge.adapters.store import FileStore


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    read: int
    added: int
    replaced: int


def import_records(records: Iterable[Record], *, store: FileStore) -> ImportReport:
    """Store the records (replacing same ids) and rebuild the persisted index."""
    items = list(records)
    added, replaced = store.put(items)
    store.index()
    return ImportReport(len(items), added, replaced)


def hits_as_json(hits: list[Hit]) -> list[dict[str, Any]]:
    """Results in the output shape of `gridloop kb search`."""
    return [{"source_id": h.source_id, "score": round(h.score, 4), "title": h.title} for h in hits]


def search_many(queries: Iterable[dict[str, Any]], *, index: LexicalIndex, top: int = 10) -> Iterator[dict[str, Any]]:
    """One `{"id", "results"}` per `{"id", "query"}`, in input order."""
    for item in queries:
        yield {"id": item.get("id"), "results": hits_as_json(index.search(str(item.get("query", "")), top=top))}
