"""jieba as the word segmenter for word-level matching (loaded on first use, ≈2 s; the longer words with
another meaning are added to its dictionary so they stay whole)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from gridloop.triage.domain.words import FALSE_FRIENDS, Locate

_LOCK = threading.Lock()
_TOKENIZER: Any = None


def _tokenizer() -> Any:
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                import jieba

                jieba.setLogLevel(60)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in FALSE_FRIENDS:
                    tok.add_word(word, freq=200_000)
                _TOKENIZER = tok
    return _TOKENIZER


@lru_cache(maxsize=65_536)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(_tokenizer().cut(text, HMM=False))


def segment(text: str) -> Sequence[str]:
    """The words of a (short) text, in order; the characters add up to the text."""
    return _cut(text)


def automaton_locator(words: Sequence[str]) -> Locate:
    """A `Locate` backed by an Aho-Corasick automaton (pyahocorasick): every occurrence of every word, overlaps
    included, in one pass over the text — what the trie regex, the hidden-word lookups and `str.find` of
    `domain.words.regex_locator` find, at a fraction of the cost on long complaints."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for w in set(words):
        automaton.add_word(w, (w, len(w) - 1))
    if not len(automaton):
        return lambda text: {}
    automaton.make_automaton()
    scan = automaton.iter

    def locate(text: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for end, (w, back) in scan(text):
            got = out.get(w)
            if got is None:
                out[w] = [end - back]
            else:
                got.append(end - back)
        return out

    return locate
