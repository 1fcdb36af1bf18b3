"""Semantic re-ranking of the knowledge index's best records (stored article vectors, query vector at search)."""

from __future__ import annotations

import numpy as np

from gridloop.knowledge.adapters.lexical import LexicalIndex, Record
from gridloop.knowledge.adapters.semantic import (
    LEXICAL_WEIGHT,
    LEXICAL_WEIGHT_UNTITLED,
    SemanticRerank,
    embedding_texts,
)
from gridloop.knowledge.adapters.sources import ImportItem
from gridloop.knowledge.services.search import current_index, embed_missing, import_articles

_TOPICS = ("居住证", "公积金", "驾驶证")


class TopicEncoder:
    """A fake encoder: one axis per topic word; a text points at the topics it names (or at 'other')."""

    model = "fake-topics"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), len(_TOPICS) + 1), dtype=np.float32)
        for i, t in enumerate(texts):
            hits = [j for j, w in enumerate(_TOPICS) if w in t] or [len(_TOPICS)]
            out[i, hits] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)


# Every record says 办理 and 材料; only their titles tell what they are about. The lexical best for
# "暂住证办理要什么材料" is r1 (more 办理/材料 in it), the semantic one is r3 (a 居住证 title; the fake
# encoder maps the caller's query to the 居住证 axis through the query text below).
RECORDS = [
    Record("r1", "驾驶证办理材料", "办理材料：办理需要身份证、办理申请表、材料复印件。"),
    Record("r2", "公积金提取材料", "提取需要材料：身份证。"),
    Record("r3", "居住证办理", "办理需要材料：身份证、照片。"),
]
QUERY = "居住证办理要什么材料"


def _attached(index: LexicalIndex, present: list[bool], encoder: TopicEncoder) -> LexicalIndex:
    texts = [embedding_texts(r.title, r.body) for r in index.records]
    titles = encoder.encode_passages([t for t, _ in texts])
    bodies = encoder.encode_passages([b for _, b in texts])
    has = np.array(present)
    has_title = has & np.array([bool(t) for t, _ in texts])
    index.semantic = SemanticRerank.of(encoder, titles, has_title, bodies, has)
    return index


def test_the_record_whose_title_means_the_question_moves_to_the_top() -> None:
    index = LexicalIndex.build(RECORDS)
    lexical = [h.source_id for h in index.search(QUERY, top=3)]
    fused = [h.source_id for h in _attached(index, [True, True, True], TopicEncoder()).search(QUERY, top=3)]
    assert fused[0] == "r3" and sorted(fused) == sorted(lexical), (lexical, fused)


def test_records_without_a_vector_are_still_found() -> None:
    lexical = {h.source_id for h in LexicalIndex.build(RECORDS).search(QUERY, top=10)}
    index = _attached(LexicalIndex.build(RECORDS), [False, True, True], TopicEncoder())
    found = {h.source_id for h in index.search(QUERY, top=10)}
    assert found == lexical and "r1" in found, (lexical, found)


def test_without_any_stored_vector_the_search_is_bm25_only(container, clock) -> None:  # type: ignore[no-untyped-def]
    import_articles([ImportItem(r.source_id, r.title, r.body) for r in RECORDS], uow=container.uow, now=clock.now())
    enc = TopicEncoder()
    with container.uow() as work:
        index = current_index(work.session, today=clock.now().date(), semantic=True, encoder=enc)
        ids = [h.source_id for h in index.search(QUERY, top=3)]
    lexical = [h.source_id for h in LexicalIndex.build(RECORDS).search(QUERY, top=3)]
    assert (index.semantic, enc.calls, ids) == (None, 0, lexical)


def test_embedding_stores_each_text_once_and_search_then_uses_it(container, clock) -> None:  # type: ignore[no-untyped-def]
    import_articles([ImportItem(r.source_id, r.title, r.body) for r in RECORDS], uow=container.uow, now=clock.now())
    enc = TopicEncoder()
    today = clock.now().date()
    added = (embed_missing(uow=container.uow, today=today, now=clock.now(), encoder=enc),
             embed_missing(uow=container.uow, today=today, now=clock.now(), encoder=enc))  # fmt: skip
    with container.uow() as work:
        first = current_index(work.session, today=today, semantic=True, encoder=enc).search(QUERY, top=3)[0]
    assert (added, first.source_id) == ((6, 0), "r3")  # a title and a body each


def test_switched_off_the_search_ignores_stored_vectors(container, clock) -> None:  # type: ignore[no-untyped-def]
    import_articles([ImportItem(r.source_id, r.title, r.body) for r in RECORDS], uow=container.uow, now=clock.now())
    enc = TopicEncoder()
    today = clock.now().date()
    embed_missing(uow=container.uow, today=today, now=clock.now(), encoder=enc)
    with container.uow() as work:
        index = current_index(work.session, today=today, semantic=False, encoder=enc)
        ids = [h.source_id for h in index.search(QUERY, top=3)]
    assert ids == [h.source_id for h in LexicalIndex.build(RECORDS).search(QUERY, top=3)]


def test_the_bundled_encoder_ranks_a_paraphrase_above_an_unrelated_text() -> None:
    from gridloop.knowledge.adapters.semantic import E5Encoder

    enc = E5Encoder()
    q = enc.encode(["暂住证怎么办理"])[0]
    p = enc.encode_passages(["如何办理居住证", "公园几点关门"])
    assert p.shape == (2, 384) and float(p[0] @ q) > float(p[1] @ q), p @ q


def test_a_batch_of_queries_is_embedded_at_once_and_remembered() -> None:
    enc = TopicEncoder()
    index = _attached(LexicalIndex.build(RECORDS), [True, True, True], enc)
    assert index.semantic is not None
    before = enc.calls
    index.semantic.prime([QUERY, "公积金怎么提取", QUERY])
    ids = [index.search(q, top=3)[0].source_id for q in (QUERY, "公积金怎么提取", QUERY)]
    assert (enc.calls - before, ids) == (1, ["r3", "r2", "r3"])


class ThreadNoting(TopicEncoder):
    """A fake encoder that notes the thread each query is embedded on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        import threading

        self.threads.append(threading.current_thread().name)
        return super().encode(texts)


def test_the_query_is_embedded_beside_the_lexical_scoring_with_the_same_result() -> None:
    enc = ThreadNoting()
    index = _attached(LexicalIndex.build(RECORDS), [True, True, True], enc)
    assert index.semantic is not None
    index.semantic.overlap = True
    ahead = [(h.source_id, h.score) for h in index.search(QUERY, top=3)]
    after_first = list(enc.threads)
    again = [(h.source_id, h.score) for h in index.search(QUERY, top=3)]  # remembered: not embedded again
    inline = index.semantic.rerank(QUERY, index.scores(QUERY), np.arange(3))
    assert after_first and after_first[-1].startswith("kb-query-embedding"), enc.threads
    assert enc.threads == after_first and ahead == again and ahead[0][0] == "r3", (enc.threads, ahead, again)
    assert max(s for _, s in ahead) == float(inline.max())


def test_on_a_busy_machine_the_query_is_embedded_after_the_scoring_on_the_searching_thread(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from gridloop.knowledge.adapters import semantic

    enc = ThreadNoting()
    index = _attached(LexicalIndex.build(RECORDS), [True, True, True], enc)
    assert index.semantic is not None and index.semantic.overlap is None
    monkeypatch.setattr(semantic.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    busy = [h.source_id for h in index.search(QUERY, top=3)]
    monkeypatch.setattr(semantic.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    quiet = [h.source_id for h in index.search("公积金怎么提取", top=3)]
    assert enc.threads[-2:] == [threading.current_thread().name, enc.threads[-1]], enc.threads
    assert enc.threads[-1].startswith("kb-query-embedding") and busy[0] == "r3" and quiet[0] == "r2", (busy, quiet)


def test_titled_and_untitled_indexes_take_their_own_lexical_weight() -> None:
    enc = TopicEncoder()
    titled = _attached(LexicalIndex.build(RECORDS), [True, True, True], enc).semantic
    bare = [Record(r.source_id, "", r.body) for r in RECORDS]
    untitled = _attached(LexicalIndex.build(bare), [True, True, True], enc).semantic
    assert titled is not None and untitled is not None
    assert (titled.weight, untitled.weight) == (LEXICAL_WEIGHT, LEXICAL_WEIGHT_UNTITLED)
    # eighth round: both lean on the encoder; the lexical score mostly breaks its near-ties
    assert 0 < LEXICAL_WEIGHT_UNTITLED <= LEXICAL_WEIGHT <= 0.05


def _vector_count(container, model: str | None = None) -> int:  # type: ignore[no-untyped-def]
    from gridloop.knowledge.adapters.repository import SqlArticles
    from gridloop.knowledge.adapters.semantic import MODEL, TITLE_MODEL

    with container.uow() as work:
        repo = SqlArticles(work.session)
        return sum(repo.count_vectors(m) for m in ([model] if model else [MODEL, TITLE_MODEL]))


def test_the_serve_job_embeds_new_articles_when_the_setting_is_on(container, clock) -> None:  # type: ignore[no-untyped-def]
    from gridloop.knowledge import jobs

    import_articles([ImportItem(r.source_id, r.title, r.body) for r in RECORDS], uow=container.uow, now=clock.now())
    jobs.run_once(container)
    assert _vector_count(container) == 6
    # the three bodies as passages, the three titles (questions) in their own key space, as e5 queries
    assert (_vector_count(container, "e5-small-q4-p128"), _vector_count(container, "e5-small-q4-title-q64")) == (3, 3)


def test_the_serve_job_embeds_nothing_when_the_setting_is_off(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.knowledge import jobs

    off = build_container(Settings(database_url=db_url, triage_enabled=False, kb_semantic=False), clock=clock)
    import_articles([ImportItem(r.source_id, r.title, r.body) for r in RECORDS], uow=off.uow, now=clock.now())
    jobs.run_once(off)
    assert _vector_count(off) == 0
    off.uow.engine.dispose()


class BrokenEncoder(TopicEncoder):
    """An encoder whose query embedding fails (e.g. the wheel is missing at run time)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            raise RuntimeError("no model")
        return super().encode(texts)


def test_a_failing_query_embedding_falls_back_to_the_lexical_order() -> None:
    lexical = [h.source_id for h in LexicalIndex.build(RECORDS).search(QUERY, top=3)]
    index = _attached(LexicalIndex.build(RECORDS), [True, True, True], BrokenEncoder())
    assert [h.source_id for h in index.search(QUERY, top=3)] == lexical


class OldNameEncoder(TopicEncoder):
    """A fake encoder that knows a caller's 暂住证 means 居住证 (the index does not), and embeds a passage's first
    sentence only (as e5 embeds a body's first 128 tokens)."""

    model = "fake-topics-first"

    def encode(self, texts: list[str]) -> np.ndarray:
        return super().encode([t.replace("暂住证", "居住证") for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.encode([t.split("。")[0] for t in texts])


class ChunkTopicEncoder(OldNameEncoder):
    """The same, chunking: a body's chunks after the first are its other sentences."""

    chunk_model = "fake-topics-chunks"

    def encode_chunks(self, texts: list[str]) -> list[np.ndarray]:
        rest = [[s for s in t.split("。")[1:] if s] for t in texts]
        return [self.encode(r) if r else np.zeros((0, len(_TOPICS) + 1), np.float32) for r in rest]


# Answers only. Lexically b2 wins (it repeats the caller's 办理 and 要什么材料); only b1's second sentence says
# what it is about.
ANSWERS = [
    Record("b1", "", "请携带身份证、照片。本规定适用于居住证的申领。"),
    Record("b2", "", "办理要什么材料：办理需要身份证。驾驶证。"),
    Record("b3", "", "公园开放时间。"),
]
OLD_NAME_QUERY = "暂住证办理要什么材料"


def test_a_long_answer_is_found_by_its_best_chunk_not_only_its_start(container, clock) -> None:  # type: ignore[no-untyped-def]
    from gridloop.knowledge.adapters.repository import SqlArticles

    import_articles([ImportItem(r.source_id, r.title, r.body) for r in ANSWERS], uow=container.uow, now=clock.now())
    today = clock.now().date()
    chunked = ChunkTopicEncoder()
    for _ in range(2):  # the second call finds every text stored
        embed_missing(uow=container.uow, today=today, now=clock.now(), encoder=chunked)

    with container.uow() as work:
        repo = SqlArticles(work.session)
        counts = (repo.count_vectors(chunked.model), repo.count_vectors(chunked.chunk_model))
        index = current_index(work.session, today=today, semantic=True, encoder=chunked)
        best = [h.source_id for h in index.search(OLD_NAME_QUERY, top=2)]
    lexical = [h.source_id for h in LexicalIndex.build(ANSWERS).search(OLD_NAME_QUERY, top=2)]
    start = _attached(LexicalIndex.build(ANSWERS), [True] * 3, OldNameEncoder())  # first sentence only
    assert counts == (3, 3)
    assert (lexical, [h.source_id for h in start.search(OLD_NAME_QUERY, top=2)], best) == (
        ["b2", "b1"],
        ["b2", "b1"],
        ["b1", "b2"],
    )


def test_traditional_articles_and_queries_are_embedded_in_simplified() -> None:
    import hashlib

    from gridloop.knowledge.adapters.semantic import E5Encoder, embedded_form, text_key

    def old_key(text: str) -> str:
        return hashlib.sha256(f"m\x1f{text}".encode()).hexdigest()[:40]

    assert embedded_form("暫住證怎麼辦") == "暂住证怎么办"
    simplified = "北京市居住证如何办？"
    assert text_key("m", simplified) == old_key(simplified)  # a Simplified text keeps its stored vector
    assert text_key("m", "違規停車") != old_key("違規停車")  # a Traditional one is embedded again, converted
    enc = E5Encoder()
    trad, simp = enc.encode(["違規停車怎麼繳罰款", "违规停车怎么缴罚款"])
    assert float(trad @ simp) > 0.9999
    p_trad, p_simp = enc.encode_passages(["違規停車應繳納罰款。", "违规停车应缴纳罚款。"])
    assert float(p_trad @ p_simp) > 0.9999


def test_titles_are_embedded_as_questions_the_way_callers_questions_are() -> None:
    from gridloop.knowledge.adapters.semantic import E5Encoder

    enc = E5Encoder()
    title = ["居住证办理需要什么材料"]
    as_title = enc.encode_titles(title)
    assert np.allclose(as_title, enc.encode(title), atol=1e-5)
    assert not np.allclose(as_title, enc.encode_passages(title), atol=1e-3)


def _unit(cos: float) -> list[float]:
    return [cos, float(np.sqrt(1 - cos * cos))]


def test_a_record_without_a_vector_takes_the_cosine_of_its_lexical_rank() -> None:
    # four candidates; the others' cosines to the query are 0.9, 0.5 and 0.1, the last has no vector yet
    bodies = np.array([_unit(0.9), _unit(0.5), _unit(0.1), [0.0, 0.0]], dtype=np.float32)
    has = np.array([True, True, True, False])
    rerank = SemanticRerank.of(TopicEncoder(), np.zeros_like(bodies), np.zeros(4, bool), bodies, has)
    q, candidates = np.array([1.0, 0.0], dtype=np.float32), np.arange(4)
    best = rerank.cosines(q, candidates, np.array([1.0, 2.0, 3.0, 9.0]))  # the lexical best
    worst = rerank.cosines(q, candidates, np.array([1.0, 2.0, 3.0, 0.5]))  # the lexical last
    middle = rerank.cosines(q, candidates, np.array([1.0, 3.0, 5.0, 2.0]))
    assert (round(best[3], 3), round(worst[3], 3), round(middle[3], 3)) == (0.9, 0.1, 0.5)
    assert np.allclose(best[:3], [0.9, 0.5, 0.1], atol=1e-6)  # the others keep their own


def test_vectors_stored_after_the_index_was_built_are_used_by_a_later_search(container, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gridloop.knowledge.services import search

    # lexically x1 wins (it repeats 办理 and 材料); only x2 is about the housing fund
    records = [
        ImportItem("x1", "办理材料清单", "办理需要什么材料：身份证、申请表。办理材料复印件，办理材料原件。"),
        ImportItem("x2", "公积金提取", "提取需要身份证。"),
    ]
    import_articles(records, uow=container.uow, now=clock.now())
    enc, query, today = TopicEncoder(), "公积金办理需要什么材料", clock.now().date()
    with container.uow() as work:
        before = current_index(work.session, today=today, semantic=True, encoder=enc).search(query, top=3)[0]
    embed_missing(uow=container.uow, today=today, now=clock.now(), encoder=enc)  # the serve job, an hour later
    with container.uow() as work:
        soon = current_index(work.session, today=today, semantic=True, encoder=enc).search(query, top=3)[0]
    monkeypatch.setattr(search, "VECTOR_REFRESH_SECONDS", 0.0)
    with container.uow() as work:
        after = current_index(work.session, today=today, semantic=True, encoder=enc).search(query, top=3)[0]
    # the database is asked about new vectors at most once a minute; then they are attached
    assert (before.source_id, soon.source_id, after.source_id) == ("x1", "x1", "x2")
