"""Highlight of matched passages: the sentences of an article that share most characters pairs with a query."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Passage:
    """A sentence of the text with its offsets and the query bigrams it contains."""

    start: int
    end: int
    text: str
    matched: tuple[str, ...]


def _bigrams(text: str) -> set[str]:
    s = _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    return {s[i : i + 2] for i in range(len(s) - 1)}


def passages(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of the text."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in _SENTENCE_END.split(text):
        if piece.strip():
            spans.append((pos, pos + len(piece)))
        pos += len(piece)
    return spans


def highlight(text: str, *, query: str, limit: int = 2) -> list[Passage]:
    """The `limit` sentences sharing most character bigrams with the query, in text order."""
    wanted = _bigrams(query)
    scored = []
    for start, end in passages(text):
        found = tuple(sorted(wanted & _bigrams(text[start:end])))
        if found:
            scored.append((len(found), -start, Passage(start, end, text[start:end].strip(), found)))
    best = sorted(scored, reverse=True)[:limit]
    return sorted((p for _, _, p in best), key=lambda p: p.start)


def mark(text: str, *, terms: tuple[str, ...], open_tag: str = "【", close_tag: str = "】") -> str:
    """The text with every occurrence of the terms wrapped in tags (overlapping matches merged)."""
    hit = [False] * len(text)
    low = unicodedata.normalize("NFKC", text).lower()
    if len(low) != len(text):
        low = text.lower()
    for term in terms:
        start = low.find(term)
        while term and start != -1:
            for i in range(start, start + len(term)):
                hit[i] = True
            start = low.find(term, start + 1)
    out: list[str] = []
    for i, ch in enumerate(text):
        if hit[i] and (i == 0 or not hit[i - 1]):
            out.append(open_tag)
        out.append(ch)
        if hit[i] and (i == len(text) - 1 or not hit[i + 1]):
            out.append(close_tag)
    return "".join(out)
