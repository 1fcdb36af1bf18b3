"""The lexical index: BM25 (bm25s) over title and body, character n-grams and jieba words, weighted query terms.

Each field is one bm25s index; a query is a weighted bag of tokens (its own tokens plus the official terms the
synonym table adds), scored on every field and summed with the field weights of `SearchParams`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from gridloop.knowledge.adapters.semantic import SemanticRerank
from gridloop.knowledge.adapters.text import (
    caller_intents,
    char_ngrams,
    expansions,
    normalize,
    skip_grams,
    strip_fillers,
    title_intents,
    words,
)


@dataclass(frozen=True)
class Record:
    """One searchable entry: an imported FAQ row, KB article or regulation article."""

    source_id: str
    title: str
    body: str
    unit: str = ""


@dataclass(frozen=True)
class SearchParams:
    """Weights chosen by measurement on the tune splits (docs/knowledge.md)."""

    k1: float = 1.2
    b: float = 0.9
    word_weight: float = 0.0
    title_weight: float = 2.0
    skip_weight: float = 0.0  # skip-grams (居_证): 0.3 in round one; 0 is better on tune with the larger table
    expansion_weight: float = 1.0
    use_synonyms: bool = True
    strip_fillers: bool = True
    max_df: float = 0.5  # query tokens in more than this share of records are skipped (speed; their idf is ~0)
    intent_boost: float = 0.2  # score × (1 + boost) when the title asks what the caller asks (data/intents.csv)
    intent_depth: int = 50  # only the best this many records are boosted


@dataclass(frozen=True)
class Hit:
    """One search result."""

    source_id: str
    score: float
    title: str
    position: int


@dataclass
class _Field:
    """One bm25s index flattened to CSC arrays (token id → postings)."""

    vocab: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    @classmethod
    def build(cls, docs: list[list[str]], *, k1: float, b: float) -> _Field:
        import bm25s

        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index(docs, show_progress=False)
        s = retriever.scores
        return cls(dict(retriever.vocab_dict), s["data"], s["indices"].astype(np.int32), s["indptr"])

    def postings(self, tokens: Iterable[tuple[str, float]], *, max_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(doc ids, weighted scores) of each query token found in the vocabulary (repeats summed first)."""
        weights: dict[int, float] = {}
        for tok, w in tokens:
            t = self.vocab.get(tok)
            if t is not None:
                weights[t] = weights.get(t, 0.0) + w
        for t, w in weights.items():
            start, end = self.indptr[t], self.indptr[t + 1]
            if end - start <= max_len:
                yield self.indices[start:end], self.data[start:end] * np.float32(w)


_TOKENIZERS: dict[str, Callable[[str], list[str]]] = {"c": char_ngrams, "w": words, "s": skip_grams}
_KIND_WEIGHT = {"c": "", "w": "word_weight", "s": "skip_weight"}


@dataclass
class LexicalIndex:
    """Search over records; built from records, saved to and loaded from a directory."""

    records: list[Record]
    params: SearchParams = field(default_factory=SearchParams)
    fields: dict[str, _Field] = field(default_factory=dict)
    _title_intents: dict[int, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: Optional semantic re-ranking of the best records (adapters/semantic.py); attached after loading, never saved.
    semantic: SemanticRerank | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, records: Sequence[Record], *, params: SearchParams | None = None) -> LexicalIndex:
        """Index the records (title and body, characters and words)."""
        p = params or SearchParams()
        index = cls(list(records), p)
        if not index.records:
            return index
        has_titles = any(r.title.strip() for r in records)
        for part in ("body", "title") if has_titles else ("body",):
            for kind, tok in _TOKENIZERS.items():
                if _KIND_WEIGHT[kind] and not getattr(p, _KIND_WEIGHT[kind]):
                    continue
                docs = [tok(getattr(r, part)) for r in records]
                index.fields[f"{part}_{kind}"] = _Field.build(docs, k1=p.k1, b=p.b)
        return index

    def query_tokens(self, query: str) -> dict[str, list[tuple[str, float]]]:
        """Weighted tokens per tokenizer: the query's own plus synonym expansions."""
        p = self.params
        extra = expansions(query) if p.use_synonyms else []
        text = strip_fillers(query) if p.strip_fillers else query
        out: dict[str, list[tuple[str, float]]] = {}
        for kind, tok in _TOKENIZERS.items():
            if _KIND_WEIGHT[kind] and not getattr(p, _KIND_WEIGHT[kind]):
                continue
            toks = [(t, 1.0) for t in tok(text)]
            for term, w in extra:
                toks += [(t, w * p.expansion_weight) for t in tok(term)]
            out[kind] = toks
        return out

    def scores(self, query: str) -> np.ndarray:
        """Score of every record for the query."""
        p = self.params
        toks = self.query_tokens(query)
        ids: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        max_len = max(1, int(p.max_df * len(self.records)))
        for name, fld in self.fields.items():
            part, kind = name.split("_")
            if kind not in toks:
                continue
            kind_w = getattr(p, _KIND_WEIGHT[kind]) if _KIND_WEIGHT[kind] else 1.0
            w = kind_w * (p.title_weight if part == "title" else 1.0)
            if w:
                for i, v in fld.postings(((t, x * w) for t, x in toks[kind]), max_len=max_len):
                    ids.append(i)
                    vals.append(v)
        if not ids:
            return np.zeros(len(self.records), dtype=np.float32)
        return np.bincount(np.concatenate(ids), weights=np.concatenate(vals), minlength=len(self.records))

    def search(self, query: str, *, top: int = 10) -> list[Hit]:
        """The best `top` records for the query, best first (records with no matching token are left out)."""
        if not normalize(query) or not self.records:
            return []
        semantic = self.semantic
        vector = semantic.prefetch(query) if semantic is not None else None  # embedded while the scores are summed
        s = self.scores(query)
        if self.params.intent_boost:
            s = self._boost_intents(query, s)
        if semantic is not None:
            return self._search_fused(query, s, top=top, semantic=semantic, vector=vector)
        k = min(top, len(s))
        cand = np.argpartition(-s, k - 1)[:k]
        order = cand[np.lexsort((cand, -s[cand]))]
        return [Hit(self.records[i].source_id, float(s[i]), self.records[i].title, int(i)) for i in order if s[i] > 0]

    def _search_fused(
        self, query: str, s: np.ndarray, *, top: int, semantic: SemanticRerank, vector: Future[np.ndarray] | None = None
    ) -> list[Hit]:
        """The best `max(top, depth)` lexical records, the first `depth` re-ranked with the semantic score."""
        k = min(max(top, semantic.depth), len(s))
        cand = np.argpartition(-s, k - 1)[:k]
        order = cand[np.lexsort((cand, -s[cand]))]
        order = order[s[order] > 0]
        head, tail = order[: semantic.depth], order[semantic.depth :]
        fused = semantic.rerank(query, s, head, vector)
        best = np.argsort(-fused, kind="stable")[:top]  # Hits for the shown records only (depth may be 400)
        out = [
            Hit(self.records[i].source_id, float(fused[j]), self.records[i].title, int(i))
            for j, i in zip(best.tolist(), head[best].tolist(), strict=True)
        ]
        floor = float(fused.min()) if len(fused) else 0.0
        out += [Hit(self.records[i].source_id, floor, self.records[i].title, int(i)) for i in tail[: top - len(out)]]
        return out

    def _boost_intents(self, query: str, s: np.ndarray) -> np.ndarray:
        """Raise the best records whose title asks for what the caller asks (a fee, a deadline, a procedure…)."""
        wanted = caller_intents(query)
        if not wanted:
            return s
        depth = min(self.params.intent_depth, len(s))
        cand = np.argpartition(-s, depth - 1)[:depth]
        hit = [i for i in cand if s[i] > 0 and self._intents_of(int(i)) & wanted]
        if not hit:
            return s
        out = s.astype(np.float64, copy=True)
        out[hit] *= 1.0 + self.params.intent_boost
        return out

    def _intents_of(self, i: int) -> frozenset[str]:
        """Intents of record i's title, worked out when it first reaches the top (about 15 µs each)."""
        found = self._title_intents.get(i)
        if found is None:
            found = self._title_intents[i] = title_intents(self.records[i].title)
        return found

    def save(self, directory: Path) -> None:
        """Write the index (records, parameters, postings) to a directory."""
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "records.jsonl").open("w", encoding="utf-8") as f:
            for r in self.records:
                f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
        meta = {"params": asdict(self.params), "fields": sorted(self.fields)}
        (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        for name, fld in self.fields.items():
            np.savez(directory / f"{name}.npz", data=fld.data, indices=fld.indices, indptr=fld.indptr)
            (directory / f"{name}.vocab.json").write_text(json.dumps(fld.vocab, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        with (directory / "records.jsonl").open(encoding="utf-8") as f:
            records = [Record(**json.loads(line)) for line in f if line.strip()]
        index = cls(records, SearchParams(**meta["params"]))
        for name in meta["fields"]:
            arr = np.load(directory / f"{name}.npz")
            vocab = json.loads((directory / f"{name}.vocab.json").read_text(encoding="utf-8"))
            index.fields[name] = _Field(vocab, arr["data"], arr["indices"], arr["indptr"])
        return index
