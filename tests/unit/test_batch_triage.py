import json

from gridloop.triage.adapters.fastgrams import CharGramHasher
from gridloop.triage.cli.batch import run_batch
from gridloop.triage.plug import shipped_conventions_value
from gridloop.triage.services.triage import TriageService


class FakeClassifier:
    labels = ("城乡建设", "交通运输")

    def scores(self, texts):
        return [{"城乡建设": 0.8, "交通运输": 0.2} for _ in texts]


def _triage():
    return TriageService(classifier=FakeClassifier, conventions=shipped_conventions_value)


def _write(path, n):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = "丽发新城小区旁边搅拌站噪音粉尘严重，电话13812345678" if i % 2 else f"小区第{i}栋楼道灯坏了"
            fh.write(
                json.dumps(
                    {"id": str(i), "title": "", "text": text, "reported_at": "2026-05-01T09:00:00"},
                    ensure_ascii=False,
                )
                + "\n"
            )
        fh.write("{not json\n")


def test_batch_writes_one_record_per_line_with_masked_text_and_groups(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, 10)
    stats = run_batch(src, dst, triage=_triage())
    lines = [json.loads(x) for x in dst.read_text("utf-8").splitlines()]
    assert stats["written"] == 10 and stats["errors"] == 1
    ok = [r for r in lines if "error" not in r]
    assert all("13812345678" not in r["masked_text"] for r in ok)
    dup_groups = {r["duplicate_group"] for r in ok if int(r["id"]) % 2}
    assert dup_groups == {"1"}


def test_batch_groups_duplicates_across_chunks_and_resumed_runs(tmp_path, monkeypatch):
    import gridloop.triage.cli.batch as cli_batch

    monkeypatch.setattr(cli_batch, "CHUNK", 3)
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, 12)
    run_batch(src, dst, triage=_triage())
    full = dst.read_text("utf-8").splitlines()
    dst.write_text("\n".join(full[:5]) + "\n", "utf-8")  # interrupted after five records
    run_batch(src, dst, triage=_triage())
    for lines in (full, dst.read_text("utf-8").splitlines()):
        ok = [json.loads(x) for x in lines if '"error"' not in x]
        assert {r["duplicate_group"] for r in ok if int(r["id"]) % 2} == {"1"}
        assert {r["id"] for r in ok} == {str(i) for i in range(12)}


def test_batch_resumes_without_repeating_done_records(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, 10)
    run_batch(src, dst, triage=_triage())
    full = dst.read_text("utf-8").splitlines()
    dst.write_text("\n".join(full[:4]) + "\n" + full[4][:10], "utf-8")  # interrupted mid-line
    stats = run_batch(src, dst, triage=_triage())
    ids = [
        json.loads(x)["id"] for x in dst.read_text("utf-8").splitlines() if x.startswith('{"id"') and x.endswith("}")
    ]
    assert sorted(set(ids)) == sorted({json.loads(x)["id"] for x in full})
    assert stats["skipped_done"] == sum('"error"' not in x for x in full[:4])


def test_batch_never_groups_meaningless_messages_as_duplicates(tmp_path, monkeypatch):
    import gridloop.triage.cli.batch as cli_batch

    monkeypatch.setattr(cli_batch, "CHUNK", 2)
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = ["", "😀😀😀", "", "😀😀😀", "丽发新城小区旁边搅拌站噪音粉尘严重", "丽发新城小区旁边搅拌站噪音粉尘严重"]
    with src.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            rec = {"id": str(i), "title": "", "text": text, "reported_at": "2026-05-01T09:00:00"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    run_batch(src, dst, triage=_triage())
    full = dst.read_text("utf-8").splitlines()
    dst.write_text("\n".join(full[:3]) + "\n", "utf-8")  # resumed: done meaningless records are not re-indexed
    run_batch(src, dst, triage=_triage())
    for lines in (full, dst.read_text("utf-8").splitlines()):
        out = {r["id"]: r for r in map(json.loads, lines)}
        for i in "0123":
            assert out[i]["meaningless"] and out[i]["duplicate_group"] == i
            assert out[i]["duplicate_action"] == "none"
        assert out["5"]["duplicate_group"] == "4" and out["5"]["duplicate_action"] == "merge"


def test_char_gram_hasher_counts_ngrams_per_document():
    m = CharGramHasher(ngram_range=(1, 2), n_bits=18).transform(["ab", "", "aaa"])
    assert m.shape[0] == 3
    assert m[0].sum() == 3  # a, b, ab
    assert m[1].sum() == 0
    assert m[2].sum() == 5  # a×3, aa×2


def _reference_grams(doc: str, k: int, n_bits: int) -> list[int]:
    mask = (1 << 64) - 1
    out = []
    for i in range(len(doc) - k + 1):
        h = ord(doc[i])
        for j in range(1, k):
            h = (h * 1_000_003 + ord(doc[i + j])) & mask
        h = ((h + k * 1_000_003) * 0x9E3779B97F4A7C15) & mask
        out.append(h >> (64 - n_bits))
    return out


def test_char_gram_hasher_matches_a_plain_python_hashing_of_each_gram():
    docs = ["噪音扰民0号", "", "a", "丽发新城小区旁搅拌站", "ab" * 7]
    for chunk in (2, 4, 4096):  # 32-bit sort keys (4 rows: the most that fit), 64-bit ones
        m = CharGramHasher(ngram_range=(1, 3), n_bits=30, chunk=chunk).transform(docs)
        assert m.has_canonical_format
        for row, doc in enumerate(docs):
            expected: dict[int, float] = {}
            for k in (1, 2, 3):
                for col in _reference_grams(doc, k, 30):
                    expected[col] = expected.get(col, 0.0) + 1.0
            got = m[row]
            assert dict(zip(got.indices.tolist(), got.data.tolist(), strict=True)) == expected


def test_char_gram_hasher_handles_texts_shorter_than_every_n():
    m = CharGramHasher(ngram_range=(3, 3), n_bits=18).transform(["ab", "cd", ""])
    assert m.shape[0] == 3 and m.nnz == 0
