"""Text normalisation and tokens for Chinese policy search: character uni+bi-grams and jieba words."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC, lower case, punctuation and whitespace removed (what every token is built from)."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def char_ngrams(text: str) -> list[str]:
    """Character unigrams and bigrams of the normalised text."""
    s = normalize(text)
    return list(s) + [s[i : i + 2] for i in range(len(s) - 1)]


def skip_grams(text: str) -> list[str]:
    """Character pairs one apart (`居_证`): a one-character typo inside a word still matches."""
    s = normalize(text)
    return [f"{s[i]}_{s[i + 2]}" for i in range(len(s) - 2)]


@cache
def fillers() -> tuple[str, ...]:
    """Caller filler and question words (data/fillers.txt), longest first."""
    text = resources.files("gridloop.knowledge").joinpath("data/fillers.txt").read_text(encoding="utf-8")
    items = {normalize(x) for x in text.splitlines() if x.strip() and not x.startswith("#")}
    return tuple(sorted((x for x in items if x), key=lambda x: -len(x)))


def strip_fillers(text: str) -> str:
    """The normalised text without filler and question words (the text itself if nothing would remain)."""
    s = normalize(text)
    out = s
    for f in fillers():
        out = out.replace(f, " ")
    out = out.replace(" ", "")
    return out or s


@cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(60)
    return jieba


def words(text: str) -> list[str]:
    """jieba search-mode words of the text (punctuation dropped)."""
    jb = _jieba()
    out: list[str] = []
    for w in jb.lcut_for_search(unicodedata.normalize("NFKC", text).lower()):  # type: ignore[attr-defined]
        n = normalize(w)
        if n:
            out.append(n)
    return out


@dataclass(frozen=True)
class Synonym:
    """One row of the colloquial-to-official expansion table."""

    colloquial: str
    official: str
    weight: float


@cache
def synonyms() -> tuple[Synonym, ...]:
    """The packaged expansion table (data/synonyms.csv), longest colloquial term first."""
    text = resources.files("gridloop.knowledge").joinpath("data/synonyms.csv").read_text(encoding="utf-8")
    rows = [
        Synonym(normalize(r["colloquial"]), normalize(r["official"]), float(r["weight"]))
        for r in csv.DictReader(text.splitlines())
        if r["colloquial"].strip() and r["official"].strip()
    ]
    return tuple(sorted(rows, key=lambda s: -len(s.colloquial)))


def expansions(text: str, *, table: tuple[Synonym, ...] | None = None) -> list[tuple[str, float]]:
    """Official terms (with weights) for every colloquial term found in the text."""
    s = normalize(text)
    found: dict[str, float] = {}
    for syn in synonyms() if table is None else table:
        if syn.colloquial in s and syn.official not in s:
            found[syn.official] = max(found.get(syn.official, 0.0), syn.weight)
    return list(found.items())


@dataclass(frozen=True)
class Intent:
    """What a question asks for (condition, procedure, fee, deadline…), as a caller says it and as a title says it."""

    name: str
    caller: re.Pattern[str]
    title: re.Pattern[str]


@cache
def intents() -> tuple[Intent, ...]:
    """The packaged intent table (data/intents.csv): `|`-separated words, matched on normalised text."""
    text = resources.files("gridloop.knowledge").joinpath("data/intents.csv").read_text(encoding="utf-8")
    return tuple(
        Intent(
            r["intent"], re.compile(normalize_pattern(r["caller_asks"])), re.compile(normalize_pattern(r["title_asks"]))
        )
        for r in csv.DictReader(text.splitlines())
        if r["intent"].strip() and r["caller_asks"].strip() and r["title_asks"].strip()
    )


def normalize_pattern(words_: str) -> str:
    """A regular expression matching any of the `|`-separated words (each normalised, escaped)."""
    return "|".join(re.escape(normalize(w)) for w in words_.split("|") if normalize(w))


def caller_intents(text: str) -> frozenset[str]:
    """Intents a caller's query asks for."""
    s = normalize(text)
    return frozenset(i.name for i in intents() if i.caller.search(s))


def title_intents(text: str) -> frozenset[str]:
    """Intents an article title answers."""
    s = normalize(text)
    return frozenset(i.name for i in intents() if i.title.search(s))
