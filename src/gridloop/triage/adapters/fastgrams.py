"""Vectorised character n-gram hashing (numpy): the features of a char-analyzer HashingVectorizer, several
times faster because n-grams are hashed over whole batches instead of one Python list per text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_MUL = np.uint64(1_000_003)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class CharGramHasher:
    """scikit-learn style transformer: texts → CSR counts of hashed char n-grams (n in `ngram_range`)."""

    def __init__(
        self, ngram_range: tuple[int, int] = (1, 3), n_bits: int = 20, chunk: int = 4096, head: int | None = None
    ) -> None:
        self.ngram_range = ngram_range
        self.n_bits = n_bits
        self.chunk = chunk
        self.head = head  # only the first `head` characters of each text (None: all of it)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters (for scikit-learn cloning)."""
        return {"ngram_range": self.ngram_range, "n_bits": self.n_bits, "chunk": self.chunk, "head": self.head}

    def set_params(self, **params: Any) -> CharGramHasher:
        """Set parameters (for scikit-learn)."""
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit(self, docs: Sequence[str], y: Any = None) -> CharGramHasher:
        """Nothing to learn (hashing)."""
        return self

    def fit_transform(self, docs: Sequence[str], y: Any = None) -> Any:
        """Same as transform."""
        return self.transform(docs)

    def transform(self, docs: Sequence[str]) -> Any:
        """CSR matrix (len(docs) × 2**n_bits) of n-gram counts, float32."""
        from scipy.sparse import vstack

        head = getattr(self, "head", None)  # artifacts pickled before `head` existed lack the attribute
        docs = [d[:head] for d in docs] if head else list(docs)
        parts = [self._block(docs[i : i + self.chunk]) for i in range(0, len(docs), self.chunk)]
        if not parts:
            return self._block([])
        return parts[0] if len(parts) == 1 else vstack(parts, format="csr")

    def _block(self, docs: list[str]) -> Any:
        from scipy.sparse import csr_matrix

        n, nb = len(docs), self.n_bits
        nf = 1 << nb
        lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
        total = int(lens.sum())
        if total == 0:
            return csr_matrix((n, nf), dtype=np.float32)
        cps = np.frombuffer("".join(docs).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        # one sortable key per n-gram: row in the high bits, hashed column in the low bits (32 bits when it fits)
        kt: Any = np.uint32 if n <= 1 << (32 - nb) else np.uint64
        doc_id = np.repeat(np.arange(n, dtype=kt), lens)
        row_key = doc_id << kt(nb)
        keys = []
        shift = np.uint64(64 - nb)
        with np.errstate(over="ignore"):
            for k in range(self.ngram_range[0], self.ngram_range[1] + 1):
                m = total - k + 1
                if m <= 0:
                    continue
                h = cps[:m].copy()
                for j in range(1, k):
                    h *= _MUL
                    h += cps[j : j + m]
                h += np.uint64(k) * _MUL
                h *= _GOLDEN
                h >>= shift
                key = row_key[:m] | h.astype(kt)
                if k > 1:  # drop n-grams that straddle two documents
                    key = key[doc_id[:m] == doc_id[k - 1 : k - 1 + m]]
                keys.append(key)
        key = np.concatenate(keys) if keys else np.zeros(0, dtype=kt)
        if len(key) == 0:  # every text shorter than the smallest n
            return csr_matrix((n, nf), dtype=np.float32)
        # sorting the keys groups rows and repeated grams at once (cheaper than COO → CSR + sum_duplicates)
        key.sort()
        first = np.empty(len(key), dtype=bool)
        first[:1] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        uniq = key[starts]
        counts = np.empty(len(starts), dtype=np.float32)  # run lengths, written straight as float32
        np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
        counts[-1] = len(key) - starts[-1]
        indptr = np.empty(n + 1, dtype=np.int32)
        indptr[:n] = np.searchsorted(uniq, np.arange(n, dtype=kt) << kt(nb))  # each row's first key
        indptr[n] = len(uniq)
        x = csr_matrix((counts, (uniq & kt(nf - 1)).astype(np.int32), indptr), shape=(n, nf))
        x.has_sorted_indices = True
        x.has_canonical_format = True
        return x
