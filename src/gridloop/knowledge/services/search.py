"""Import articles into the knowledge base and search it (one query or a batch)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridloop.knowledge.adapters.lexical import Hit, LexicalIndex
from gridloop.knowledge.adapters.repository import SqlArticles
from gridloop.knowledge.adapters.semantic import (
    Encoder,
    SemanticRerank,
    chunk_text,
    chunking,
    chunks_from_bytes,
    default_encoder,
    embedding_texts,
    from_bytes,
    text_key,
    titling,
    to_bytes,
)
from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.adapters.store import IndexCache, cache_dir
from gridloop.knowledge.domain.articles import Action, Status, next_status
from gridloop.knowledge.tables import ArticleRow, ArticleVersionRow, EmbeddingRow
from gridloop.platform.db.uow import UnitOfWorkFactory

log = logging.getLogger("gridloop.knowledge")


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    read: int
    added: int
    new_versions: int
    unchanged: int


def import_articles(
    items: Iterable[ImportItem],
    *,
    uow: UnitOfWorkFactory,
    now: datetime,
    source: str = "",
    status: Status = Status.PUBLISHED,
) -> ImportReport:
    """Store imported articles as new versions (published by default: the old published one expires; or drafts)."""
    batch = list({i.source_id: i for i in items}.values())
    added = new_versions = unchanged = 0
    with uow() as work:
        repo = SqlArticles(work.session)
        existing = repo.by_source_ids(i.source_id for i in batch)
        versions = repo.versions_of(a.id for a in existing.values())
        fresh = [
            ArticleRow(
                source_id=i.source_id,
                department=i.unit,
                source=source,
                citation=i.citation,
                created_at=now,
                updated_at=now,
            )
            for i in batch
            if i.source_id not in existing
        ]
        work.session.add_all(fresh)
        work.session.flush()  # one flush gives every new article its id
        created = {r.source_id for r in fresh}
        existing.update({r.source_id: r for r in fresh})
        for item in batch:
            row = existing[item.source_id]
            if item.source_id in created:
                number = 1
                added += 1
            else:
                olds = versions.get(row.id, [])
                last = olds[-1] if olds else None
                same = last is not None and (last.title, last.body, last.effective_from, last.expires_on) == (
                    item.title,
                    item.body,
                    item.effective_from,
                    item.expires_on,
                )
                if same and row.department == item.unit:
                    unchanged += 1
                    continue
                for old in olds if status is Status.PUBLISHED else []:
                    if old.status == Status.PUBLISHED.value:
                        old.status = next_status(Status.PUBLISHED, Action.EXPIRE).value
                row.department, row.updated_at = item.unit, now
                number = (last.number if last else 0) + 1
                new_versions += 1
            work.session.add(
                ArticleVersionRow(
                    article_id=row.id,
                    number=number,
                    title=item.title,
                    body=item.body,
                    status=status.value,
                    effective_from=item.effective_from,
                    expires_on=item.expires_on,
                    published_at=now if status is Status.PUBLISHED else None,
                    created_at=now,
                )
            )
        work.commit()
    return ImportReport(len(batch), added, new_versions, unchanged)


def embed_missing(
    *, uow: UnitOfWorkFactory, today: date, now: datetime, encoder: Encoder | None = None, batch: int = 256
) -> int:
    """Embed today's answerable articles whose text has no stored vector yet; returns how many were added.

    With a title encoder, titles are embedded in their own form (model `title_model`; eighth round: as e5 queries).
    With a chunking encoder, each body also gets one row of its further chunks (model `chunk_model`; an empty row
    for a body of one window), so a long answer is matched by its best part (docs/knowledge.md, sixth round)."""
    enc = encoder or default_encoder()
    chunker = chunking(enc)
    titler = titling(enc)
    title_model = titler.title_model if titler is not None else enc.model
    with uow() as work:
        repo = SqlArticles(work.session)
        records = repo.answerable_records(today=today)
        pairs = [embedding_texts(r.title, r.body) for r in records]
        bodies_todo = {text_key(enc.model, b): b for _, b in pairs if b}
        titles_todo = {text_key(title_model, t): t for t, _ in pairs if t}
        have = repo.vectors(enc.model, bodies_todo)
        have_titles = repo.vectors(title_model, titles_todo)
        chunks_todo: dict[str, str] = {}
        if chunker is not None:
            chunks_todo = {text_key(chunker.chunk_model, b): b for r in records if (b := chunk_text(r.body))}
            have_chunks = repo.vectors(chunker.chunk_model, chunks_todo)
            chunks_todo = {k: b for k, b in chunks_todo.items() if k not in have_chunks}
    passages = {k: t for k, t in bodies_todo.items() if k not in have}
    titles = {k: t for k, t in titles_todo.items() if k not in have_titles}
    if titler is None:  # titles are passages too: one key space
        jobs = [(enc.model, list((passages | titles).items()), enc.encode_passages)]
    else:
        jobs = [(enc.model, list(passages.items()), enc.encode_passages)]
        jobs.append((title_model, list(titles.items()), titler.encode_titles))
    added = 0
    for model, todo, encode in jobs:
        added += len(todo)
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            vecs = encode([t for _, t in part])
            with uow() as work:
                work.session.add_all(
                    EmbeddingRow(model=model, text_key=k, dim=int(v.shape[0]), vector=to_bytes(v), created_at=now)
                    for (k, _), v in zip(part, vecs, strict=True)
                )
                work.commit()
    if chunker is not None and chunks_todo:
        pending = list(chunks_todo.items())
        for i in range(0, len(pending), batch):
            part = pending[i : i + batch]
            rows = chunker.encode_chunks([b for _, b in part])
            with uow() as work:
                work.session.add_all(
                    EmbeddingRow(
                        model=chunker.chunk_model,
                        text_key=k,
                        dim=int(r.shape[1]) if r.ndim == 2 else 0,
                        vector=to_bytes(r),
                        created_at=now,
                    )
                    for (k, _), r in zip(part, rows, strict=True)
                )
                work.commit()
    return added


@dataclass
class _Held:
    """An index in memory: the articles' stamp it was built for, the vectors' stamp it was given, and when."""

    stamp: str
    vectors: str
    index: LexicalIndex
    at: float


_MEMORY: dict[str, _Held] = {}  # cache dir → the index in memory, filled on first search
_VECTORS: dict[str, tuple[str, SemanticRerank]] = {}  # cache dir → (stamp + vector count, vectors of the index)


def _attach_semantic(session: Session, index: LexicalIndex, *, key: str, stamp: str, encoder: Encoder) -> None:
    """Give the index the stored vectors of its records (rebuilt when the stamp or the number of vectors changes)."""
    repo = SqlArticles(session)
    chunker = chunking(encoder)
    titler = titling(encoder)
    title_model = titler.title_model if titler is not None else encoder.model
    full = f"{stamp}:{encoder.model}:{repo.count_vectors(encoder.model)}"
    if title_model != encoder.model:
        full += f":{repo.count_vectors(title_model)}"
    if chunker is not None:
        full += f":{repo.count_vectors(chunker.chunk_model)}"
    held = _VECTORS.get(key)
    if held is None or held[0] != full:
        texts = [embedding_texts(r.title, r.body) for r in index.records]
        models = (title_model, encoder.model)  # part 0 is the title, part 1 the body
        stored = [
            repo.vectors(m, [text_key(m, pair[part]) for pair in texts if pair[part]]) for part, m in enumerate(models)
        ]
        dim = next((len(from_bytes(v)) for side in stored for v in side.values()), 0)

        def aligned(part: int) -> tuple[np.ndarray, np.ndarray]:
            vectors = np.zeros((len(texts), dim), dtype=np.float32)
            present = np.zeros(len(texts), dtype=bool)
            for i, pair in enumerate(texts):
                data = stored[part].get(text_key(models[part], pair[part])) if pair[part] else None
                if data is not None and len(v := from_bytes(data)) == dim:
                    vectors[i], present[i] = v, True
            return vectors, present

        chunks: list[np.ndarray | None] | None = None
        if chunker is not None and dim:
            keys = [text_key(chunker.chunk_model, chunk_text(r.body)) for r in index.records]
            blobs = repo.vectors(chunker.chunk_model, keys)
            chunks = [chunks_from_bytes(blobs[k], dim) if k in blobs else None for k in keys]
        held = (full, SemanticRerank.of(encoder, *aligned(0), *aligned(1), chunks))
        _VECTORS[key] = held
    index.semantic = held[1] if held[1].usable else None


def current_index(
    session: Session,
    *,
    today: date,
    cache_root: Path | None = None,
    semantic: bool = False,
    encoder: Encoder | None = None,
) -> LexicalIndex:
    """The index of today's answerable articles: from memory, else from the disk cache, else rebuilt.

    The stamp is the articles' fingerprint and the day, so a change or a new day means a rebuild. With `semantic`,
    the stored article vectors are attached and the best records are re-ranked (BM25 only where none are stored).
    """
    return _current(session, today=today, cache_root=cache_root, semantic=semantic, encoder=encoder)[0]


#: An index of fewer records than this is rebuilt in the request that finds it out of date (well under 100 ms);
#: a larger one in the background, while that request and the next ones are answered from the one in memory.
SYNC_REBUILD_RECORDS = 1000
#: Vectors stored since an index was given its own (the embedding job of `serve`, `kb embed`) are attached to it by
#: the first search this long after: at most once a minute while a large import is being embedded.
VECTOR_REFRESH_SECONDS = 60.0

_REBUILDS: dict[str, threading.Thread] = {}  # cache dir → the thread rebuilding its index
_REBUILDS_LOCK = threading.Lock()


def _current(
    session: Session,
    *,
    today: date,
    cache_root: Path | None = None,
    semantic: bool = False,
    encoder: Encoder | None = None,
    stale_ok: bool = False,
) -> tuple[LexicalIndex, bool]:
    """(index, stale): as `current_index`; with `stale_ok`, an out-of-date index in memory is returned at once
    (stale True) while a thread rebuilds it, when it is too large to rebuild in the request."""
    repo = SqlArticles(session)
    stamp = f"{repo.fingerprint()}:{today.isoformat()}"
    root = cache_root or cache_dir(session.get_bind().engine.url.render_as_string(hide_password=True))
    key = str(root.resolve())
    held = _MEMORY.get(key)
    if held is not None and held.stamp == stamp and (not semantic or _vectors_current(held, repo)):
        return held.index, False
    large = held is not None and len(held.index.records) >= SYNC_REBUILD_RECORDS
    if held is not None and stale_ok and large:
        _rebuild_in_background(session, key=key, root=root, today=today, semantic=semantic, encoder=encoder)
        return held.index, held.stamp != stamp
    return _build(session, key=key, root=root, stamp=stamp, today=today, semantic=semantic, encoder=encoder), False


def _vectors_current(held: _Held, repo: SqlArticles) -> bool:
    """Whether no vector was stored since the index was given its own (the database is asked at most every
    VECTOR_REFRESH_SECONDS)."""
    now = time.monotonic()
    if now - held.at < VECTOR_REFRESH_SECONDS:
        return True
    if held.vectors == repo.vectors_stamp():
        held.at = now
        return True
    return False


def _build(
    session: Session, *, key: str, root: Path, stamp: str, today: date, semantic: bool, encoder: Encoder | None
) -> LexicalIndex:
    """The index for `stamp` with today's vectors: the one in memory when only vectors were stored since (they are
    attached to it), else loaded from the disk cache or built."""
    repo = SqlArticles(session)
    vectors = repo.vectors_stamp() if semantic else ""
    held = _MEMORY.get(key)
    if held is not None and held.stamp == stamp:
        index = held.index
    else:
        cache = IndexCache(root)
        loaded = cache.load(stamp)
        if loaded is None:
            loaded = LexicalIndex.build(repo.answerable_records(today=today))
            cache.save(loaded, stamp)
        index = loaded
        index.semantic = None
    if semantic:
        _attach_semantic(session, index, key=key, stamp=stamp, encoder=encoder or default_encoder())
    # once complete: a search running beside a background build reads the old one
    _MEMORY[key] = _Held(stamp, vectors, index, time.monotonic())
    return index


def _rebuild_in_background(
    session: Session, *, key: str, root: Path, today: date, semantic: bool, encoder: Encoder | None
) -> None:
    """Rebuild the index of `key` in a thread (one at a time per index), on its own session; the stamp is read
    there, so a change made meanwhile is either in it or makes the next search start another rebuild."""
    engine = session.get_bind().engine  # (the engine also when the session is bound to one connection)

    def run() -> None:
        try:
            with Session(engine) as own:
                stamp = f"{SqlArticles(own).fingerprint()}:{today.isoformat()}"
                _build(own, key=key, root=root, stamp=stamp, today=today, semantic=semantic, encoder=encoder)
        except Exception:  # the old index keeps answering; the next search tries again
            log.exception("rebuilding the knowledge-base index failed")
        finally:
            with _REBUILDS_LOCK:
                _REBUILDS.pop(key, None)

    with _REBUILDS_LOCK:
        if key in _REBUILDS:
            return
        thread = _REBUILDS[key] = threading.Thread(target=run, name="kb-index-rebuild", daemon=True)
    thread.start()


def wait_for_rebuilds(timeout: float = 60.0) -> bool:
    """Wait until no index is being rebuilt in the background (tests, a graceful stop); False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        with _REBUILDS_LOCK:
            running = list(_REBUILDS.values())
        if not running:
            return True
        for thread in running:
            thread.join(max(deadline - time.monotonic(), 0))
        if time.monotonic() >= deadline:
            with _REBUILDS_LOCK:
                return not _REBUILDS


def hits_as_json(hits: list[Hit]) -> list[dict[str, Any]]:
    """Results in the output shape of `gridloop kb search`."""
    return [{"source_id": h.source_id, "score": round(h.score, 4), "title": h.title} for h in hits]


def search_many(queries: Iterable[dict[str, Any]], *, index: LexicalIndex, top: int = 10) -> Iterator[dict[str, Any]]:
    """One `{"id", "results"}` per `{"id", "query"}`, in input order (queries embedded a batch at a time)."""
    batch: list[dict[str, Any]] = []
    for item in queries:
        batch.append(item)
        if len(batch) == 256:
            yield from _search_batch(batch, index=index, top=top)
            batch = []
    yield from _search_batch(batch, index=index, top=top)


def _search_batch(queries: list[dict[str, Any]], *, index: LexicalIndex, top: int) -> Iterator[dict[str, Any]]:
    if index.semantic is not None:
        try:
            index.semantic.prime([str(item.get("query", "")) for item in queries])
        except Exception:  # one by one then (and lexical order where that fails too)
            log.exception("embedding a batch of queries failed")
    for item in queries:
        yield {"id": item.get("id"), "results": hits_as_json(index.search(str(item.get("query", "")), top=top))}


def search_with_passages(
    session: Session, query: str, *, top: int, today: date, semantic: bool = False
) -> list[dict[str, Any]]:
    """Results with the best-matching passage of each (matched terms include the synonym table's additions)."""
    from gridloop.knowledge.adapters.text import expansions
    from gridloop.knowledge.domain.highlight import highlight

    index, stale = _current(session, today=today, semantic=semantic, stale_ok=True)
    wanted = " ".join([query, *(term for term, _ in expansions(query))])
    hits = index.search(query, top=top * 2 if stale else top)
    records = [index.records[hit.position] for hit in hits]
    if stale:  # articles changed since this index was built: only what is answerable today, in its current words
        now = {
            r.source_id: r
            for r in SqlArticles(session).answerable_records(today=today, source_ids=[h.source_id for h in hits])
        }
        kept = [(h, now[h.source_id]) for h in hits if h.source_id in now][:top]
        hits, records = [h for h, _ in kept], [r for _, r in kept]
    out = []
    for hit, record in zip(hits, records, strict=True):
        row = {"source_id": hit.source_id, "score": round(hit.score, 4), "title": record.title}
        passages = highlight(record.body, query=wanted, limit=1)
        row["passage"] = passages[0].text if passages else ""
        row["matched"] = list(passages[0].matched) if passages else []
        out.append(row)
    return out
