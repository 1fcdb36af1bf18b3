"""Chinese script conversion: OpenCC Traditional → Simplified, paid only by texts that hold Traditional characters.

Shared by triage (the classifier reads Simplified) and the knowledge base (the sentence encoder reads Simplified).
OpenCC and its character table load on first use, never at import time.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def _t2s() -> Any:
    """OpenCC Traditional → Simplified (pure Python, loaded on first use: about 40 ms)."""
    from opencc import OpenCC

    return OpenCC("t2s")


@cache
def traditional_chars() -> frozenset[str]:
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


@cache
def _traditional_table() -> Any:
    """A boolean per code point: written differently in Simplified Chinese."""
    import numpy as np

    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in traditional_chars()]] = True
    return table


_SHORT = 48
"""Below this length a set lookup per character is cheaper than a numpy lookup over the code points."""


def has_traditional(text: str) -> bool:
    """Whether the text contains characters written differently in Simplified Chinese."""
    if len(text) < _SHORT:
        return not traditional_chars().isdisjoint(text)
    import numpy as np

    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return bool(_traditional_table()[cps].any())


def to_simplified(text: str) -> str:
    """The text in Simplified Chinese; OpenCC (slow) runs only when Traditional characters occur, so a Simplified
    corpus pays a look-up per character."""
    if not text or not has_traditional(text):
        return text
    return str(_t2s().convert(text))
