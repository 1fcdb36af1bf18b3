"""Script conversion and model-facing text normalisation (OpenCC Traditional → Simplified)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from gridloop.domain.text import clean_text

_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that OpenCC rewrites when converting Traditional → Simplified (from its own dictionary)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            trad, _, simp = line.rstrip("\n").partition("\t")
            if trad and trad not in simp.split(" "):
                chars.add(trad)
    return frozenset(chars)


@lru_cache(maxsize=1)
def _traditional_pattern() -> re.Pattern[str]:
    return re.compile("[" + "".join(sorted(re.escape(c) for c in _traditional_chars())) + "]")


def has_traditional(text: str) -> bool:
    """Whether the text contains characters written differently in Simplified Chinese."""
    return _traditional_pattern().search(text) is not None


def to_simplified(text: str) -> str:
    """The text in Simplified Chinese; OpenCC (slow) runs only when Traditional characters occur."""
    if not text or not has_traditional(text):
        return text
    return str(_t2s().convert(text))


def normalise(raw: str | None) -> str:
    """Cleaned, simplified, whitespace-free, digits-folded text as the classifier sees it."""
    text = to_simplified(clean_text(raw))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.replace(" ", "")
    return _DIGITS.sub("0", text).lower()
