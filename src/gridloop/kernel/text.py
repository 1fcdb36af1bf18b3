"""Text hygiene for report text: strip HTML and control characters, collapse whitespace, judge meaningfulness.

Standard library only. Script conversion (Traditional → Simplified) lives in the NLP adapter.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from itertools import islice

MAX_CHARS = 5000
"""Longest text kept for analysis; longer input is cut (the original stays in the case record)."""

_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<[^>]{0,500}>", re.IGNORECASE | re.DOTALL)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
"""Terminal escape sequences (colour codes such as ESC[31m, OSC titles): removed whole, not just their ESC."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Meaning:
    """Whether a text carries enough content to classify, and why not."""

    meaningless: bool
    reason: str = ""


def clean_text(raw: str | None, *, max_chars: int = MAX_CHARS) -> str:
    """Text without HTML tags/entities, terminal colour codes, control characters or runs of whitespace, cut to
    `max_chars`."""
    if not raw:
        return ""
    text = raw[: max_chars * 4]
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    return text[:max_chars]


def _count(pattern: re.Pattern[str], text: str, upto: int) -> int:
    """Matches of the pattern in the text, counting no further than `upto`."""
    return sum(1 for _ in islice(pattern.finditer(text), upto))


def _single_word_char(text: str) -> bool:
    """Whether the text's word characters (what the regex \\w matches) are all one character; stops at a second."""
    first = ""
    for c in text:
        if c.isalnum() or c == "_":
            if not first:
                first = c
            elif c != first:
                return False
    return True


def judge_meaning(text: str) -> Meaning:
    """Meaningless when empty, without letters or Chinese characters, or a single repeated character."""
    stripped = text.strip()
    if not stripped:
        return Meaning(True, "empty text")
    cjk = _count(_CJK, stripped, 2)
    latin_words = _count(_LATIN_WORD, stripped, 2)
    if cjk == 0 and latin_words == 0:
        return Meaning(True, "no words: only symbols, digits or emoji")
    if _single_word_char(stripped):
        return Meaning(True, "a single repeated character")
    if cjk < 2 and latin_words < 2:
        return Meaning(True, "too short to understand")
    return Meaning(False)


def is_mostly_foreign(text: str) -> bool:
    """True when the text has Latin words but hardly any Chinese characters."""
    return _count(_LATIN_WORD, text, 2) >= 2 and _count(_CJK, text, 4) < 4
