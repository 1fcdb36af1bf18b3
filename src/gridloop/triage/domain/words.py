"""Word-level matching: a phrase found in a text counts only where it stands as a word (or words), not inside
a longer word with another meaning (机动车道 inside 非机动车道, 落水 inside 落水管, 跳楼 inside 跳楼价).

Two checks, both standard library here; the segmenter (jieba, see adapters/words.py) is injected:
- a dictionary of longer words with another meaning (`FALSE_FRIENDS`, also loaded into the segmenter) that cover
  the match;
- with a segmenter: the match must not start inside a token that begins with a prefix that changes its meaning
  (非/无/防/未 + the phrase).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Segmenter = Callable[[str], Sequence[str]]

Locate = Callable[[str], dict[str, list[int]]]
"""Every occurrence of a fixed list of words in a text: word → its start positions, ascending (words that occur
nowhere are absent)."""
LocatorFactory = Callable[[Sequence[str]], Locate]
"""Builds a `Locate` for a word list, once per list: `regex_locator` here (standard library), or an Aho-Corasick
automaton injected from adapters/words.py (one pass over the text for every word, overlaps included)."""


def trie_regex(words: Sequence[str]) -> str:
    """A regex for the words as a character trie, longest match first (Python's `re` tries the alternatives of a
    flat alternation one by one; a trie scans a long complaint several times faster)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(c) + build(child) for c, child in sorted(node.items()) if c]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return build(trie)


def regex_locator(words: Sequence[str]) -> Locate:
    """A `Locate` from the standard library: the words of two or more characters by one trie regex (left to
    right, without overlaps), the words hidden inside or across those matches and the one-character words by
    lookup, then each found word's positions by `str.find`."""
    ordered = sorted(set(words), key=len, reverse=True)
    longer = [w for w in ordered if len(w) > 1]
    pattern = re.compile(trie_regex(longer)) if longer else None
    singles = frozenset(w for w in ordered if len(w) == 1)
    hidden = {
        m: tuple(w for w in ordered if w != m and (w in m or any(w.startswith(m[i:]) for i in range(1, len(m)))))
        for m in longer
    }

    def locate(text: str) -> dict[str, list[int]]:
        present = set(pattern.findall(text)) if pattern is not None else set()
        present |= {w for m in tuple(present) for w in hidden[m] if w in text}
        present |= singles.intersection(text)
        out: dict[str, list[int]] = {}
        for w in present:
            starts, pos = [], text.find(w)
            while pos >= 0:
                starts.append(pos)
                pos = text.find(w, pos + 1)
            out[w] = starts
        return out

    return locate


FALSE_FRIENDS: tuple[str, ...] = (
    # price and marketing slang
    "跳楼价", "跳楼甩卖", "跳楼大甩卖", "自杀式", "抢劫式", "爆炸式", "爆炸性", "爆炸头", "信息爆炸", "炸鸡",
    # building parts and devices named after the event
    "落水管", "落水口", "落水斗", "漏电保护", "漏电保护器", "漏电开关", "火灾保险", "火灾险", "火灾报警器",
    "燃气费", "煤气费", "消防栓", "消防通道", "防火门", "灭火器",
    "火锅", "火车", "火腿", "上火", "发火", "火爆", "火急", "救火车",
    # figurative uses
    "道德绑架", "情感绑架", "中毒太深", "游戏中毒", "被压价", "压价", "倒灌风", "塌陷区", "坍塌隐患",
    "机动车道路", "非机动车", "非机动车道",
)  # fmt: skip
"""Longer words that contain an emergency or rule phrase but mean something else."""

CHANGING_PREFIXES = ("非", "无", "防", "未")
"""A token that starts with one of these before the phrase is another word (非机动车道 is not 机动车道)."""
_PREFIX_CHARS = frozenset(CHANGING_PREFIXES)


_FRIENDS_OF: dict[str, tuple[tuple[str, int], ...]] = {}


def _friends_of(phrase: str) -> tuple[tuple[str, int], ...]:
    """The false friends containing the phrase, each with every offset of the phrase inside it (cached)."""
    got = _FRIENDS_OF.get(phrase)
    if got is None:
        acc = []
        for word in FALSE_FRIENDS:
            if word == phrase or phrase not in word:
                continue
            offset = word.find(phrase)
            while offset >= 0:
                acc.append((word, offset))
                offset = word.find(phrase, offset + 1)
        got = _FRIENDS_OF[phrase] = tuple(acc)
    return got


def _covered_by_false_friend(text: str, start: int, end: int, phrase: str) -> bool:
    friends = _FRIENDS_OF.get(phrase)
    if friends is None:
        friends = _friends_of(phrase)
    if not friends:  # most phrases have none: no generator
        return False
    return any(start - off >= 0 and text.startswith(word, start - off) for word, off in friends)


def token_starts(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) character spans of the tokens, in order."""
    spans, pos = [], 0
    for t in tokens:
        spans.append((pos, pos + len(t)))
        pos += len(t)
    return spans


def is_word_at(text: str, start: int, end: int, *, spans: Sequence[tuple[int, int]] | None = None) -> bool:
    """Whether text[start:end] stands as a word: not inside a longer word with another meaning."""
    phrase = text[start:end]
    if _covered_by_false_friend(text, start, end, phrase):
        return False
    if start > 0 and text[start - 1] in CHANGING_PREFIXES and text[start - 1 : end] in FALSE_FRIENDS:
        return False
    if spans:
        for s, e in spans:
            if s < start < e:  # the phrase starts inside this token
                head = text[s:start]
                return not head.startswith(CHANGING_PREFIXES)
            if s >= start:
                break
    return True


def find_words(text: str, phrase: str, *, spans: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Every (start, end) where the phrase occurs as a word."""
    out: list[tuple[int, int]] = []
    pos = text.find(phrase)
    while pos >= 0:
        end = pos + len(phrase)
        if is_word_at(text, pos, end, spans=spans):
            out.append((pos, end))
        pos = text.find(phrase, pos + 1)
    return out


WINDOW = 8
"""Characters segmented on each side of a match (a window, not the whole text: jieba on every long complaint
would cost more than the rest of triage)."""


def occurrences(text: str, phrase: str, *, segment: Segmenter | None = None) -> list[int]:
    """Start positions where the phrase occurs as a word; the segmenter sees a window around each match."""
    return list(_word_starts(text, phrase, segment))


def _word_starts(text: str, phrase: str, segment: Segmenter | None) -> Iterator[int]:
    pos = text.find(phrase)
    while pos >= 0:
        end = pos + len(phrase)
        spans = None
        # the segmenter can only reject a match that a meaning-changing prefix stands right before
        if segment is not None and not _PREFIX_CHARS.isdisjoint(text[max(0, pos - 3) : pos]):
            lo = max(0, pos - WINDOW)
            spans = [(s + lo, e + lo) for s, e in token_starts(segment(text[lo : end + WINDOW]))]
        if is_word_at(text, pos, end, spans=spans):
            yield pos
        pos = text.find(phrase, pos + 1)


def occurs(text: str, phrase: str, *, segment: Segmenter | None = None) -> bool:
    """Whether the phrase occurs as a word at least once (stops at the first)."""
    return next(_word_starts(text, phrase, segment), None) is not None
