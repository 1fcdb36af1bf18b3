"""jieba as the word segmenter for word-level matching (loaded on first use, ≈2 s; the longer words with
another meaning are added to its dictionary so they stay whole)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from gridloop.triage.domain.words import FALSE_FRIENDS

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
