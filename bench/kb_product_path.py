"""The retrieval figures through the product's CLI, as the checks judge them (issue 15). Prints JSON.

For each set, writes the CSV the checks import (`--id-col faq_id --title-col question --body-col answer`; for the
answers-only sets the title column is empty), runs `gridloop kb import` then `gridloop kb search --input Q.jsonl
--output R.jsonl` and scores R.jsonl with bench/kb_eval.py's relevance sets and metrics. Sets run in the order
given on one database: beijing (answers only) then callers (question + answer: the same ids get new versions with
titles; the answers' vectors are reused, since vectors are stored by text).
With `--seed-cache DIR` the import runs with `--no-embed`, the vector store is then filled from the bench's
embedding cache (bench/kb_embed_cache.py, bench/kb_chunks.py: the same model and the same token cuts, rows keyed as
the product keys them) for every text whose stored form equals the cached one, and `gridloop kb embed` embeds the
rest. This is for a loaded machine, where embedding the FAQ again takes longer than the search being checked.
Usage: python bench/kb_product_path.py --db sqlite:////tmp/x.db --sets beijing,callers --splits holdout,blind,fresh
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb_eval import REPO, _rows, caller_set, first_rank, in_split, metrics, sets

CLI = [str(REPO / ".venv" / "bin" / "gridloop")]


def _csv(path: Path, rows: list[dict[str, str]], *, titles: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["faq_id", "question", "answer"])
        for r in rows:
            w.writerow([r["faq_id"], r["question"] if titles else "", r["answer"]])


def _seed(cache: Path, db: str, all_sets: dict[str, object], name: str) -> int:
    """Store the cached vectors of this set's texts as `kb embed` would store them; returns the rows added."""
    from datetime import UTC, datetime

    import numpy as np
    from kb_embed_cache import Encoder
    from kb_script import _chunks, _vectors
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from gridloop.knowledge.adapters.semantic import (
        CHUNK_MODEL,
        MODEL,
        TITLE_MODEL,
        chunk_text,
        embedding_texts,
        text_key,
        to_bytes,
    )
    from gridloop.knowledge.tables import EmbeddingRow
    from gridloop.platform.script import has_traditional

    records = all_sets[name][0]  # type: ignore[index]
    enc = Encoder("e5np")  # the cache is read by key; the model (loaded lazily by numpy) embeds only what is missing
    rows: dict[tuple[str, str], bytes] = {}
    # the product embeds a Traditional text in Simplified (seventh round): its vector is the converted one
    # (bench/kb_script.py embedded both forms); a text without Traditional characters is its own converted form
    raw = _vectors(cache, enc, [r.body for r in records], kind="passage", convert=False)
    conv = _vectors(cache, enc, [r.body for r in records], kind="passage", convert=True)
    titles = _vectors(cache, enc, [r.title for r in records], kind="query", convert=True) if name == "callers" else None
    extra, owner = _chunks(cache, [r.body for r in records], convert=True)
    for i, r in enumerate(records):
        title, body = embedding_texts(r.title, r.body)
        if body and body == r.body:
            rows[MODEL, text_key(MODEL, body)] = to_bytes(conv[i] if has_traditional(body) else raw[i])
        if titles is not None and title and title == r.title:
            rows[TITLE_MODEL, text_key(TITLE_MODEL, title)] = to_bytes(titles[i])  # eighth round: as a query
        if (c := chunk_text(r.body)) and c == r.body:
            rows[CHUNK_MODEL, text_key(CHUNK_MODEL, c)] = to_bytes(np.asarray(extra[owner == i], np.float32))
    engine = create_engine(db)
    now = datetime.now(UTC)
    with Session(engine) as s:
        have = set(s.execute(select(EmbeddingRow.model, EmbeddingRow.text_key)).all())
        new = [(m, k, v) for (m, k), v in rows.items() if (m, k) not in have]
        s.add_all(EmbeddingRow(model=m, text_key=k, dim=384, vector=v, created_at=now) for m, k, v in new)
        s.commit()
    engine.dispose()
    return len(new)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--db", required=True)
    ap.add_argument("--sets", default="beijing,callers")
    ap.add_argument("--splits", default="holdout,blind,fresh")
    ap.add_argument("--seed-cache", default="", help="fill the vector store from this bench cache (see above)")
    ap.add_argument("--env", default="", help="extra KEY=VALUE,… for the CLI (e.g. GRIDLOOP_KB_SEMANTIC=false)")
    args = ap.parse_args()
    shared = Path(args.shared)
    env = dict(os.environ)
    env.update(dict(kv.split("=", 1) for kv in args.env.split(",") if kv))
    files = {"beijing": "faq_beijing_msgabench.csv", "taipei": "faq_taipei.csv", "callers": "faq_beijing_msgabench.csv"}
    all_sets = sets(shared)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kb-path-") as tmp:
        for name in args.sets.split(","):
            rows = [r for r in _rows(shared / "kb" / files[name])]
            src = Path(tmp) / f"{name}.csv"
            _csv(src, rows, titles=name == "callers")
            t0 = time.perf_counter()
            imp = subprocess.run(
                [*CLI, "kb", "import", str(src), "--format", "csv", "--id-col", "faq_id", "--title-col", "question",
                 "--body-col", "answer", "--db", args.db, *(["--no-embed"] if args.seed_cache else [])],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            seeded = _seed(Path(args.seed_cache), args.db, all_sets, name) if args.seed_cache else 0
            emb = (
                subprocess.run(
                    [*CLI, "kb", "embed", "--db", args.db], env=env, capture_output=True, text=True, check=True
                )
                if args.seed_cache
                else None
            )
            t_import = time.perf_counter() - t0
            queries = caller_set(shared)[1] if name == "callers" else all_sets[name][1]
            res: dict[str, object] = {"import": imp.stdout.strip().splitlines(), "import_s": round(t_import, 1)}
            if emb is not None:
                res |= {"seeded_rows": seeded, "embed": emb.stdout.strip().splitlines()}
            for sp in args.splits.split(","):
                qs = [q for q in queries if in_split(q[3], sp)]
                if not qs:
                    continue
                qf, rf = Path(tmp) / f"{name}-{sp}.jsonl", Path(tmp) / f"{name}-{sp}-r.jsonl"
                qf.write_text("".join(json.dumps({"id": q[0], "query": q[1]}, ensure_ascii=False) + "\n" for q in qs))
                t0 = time.perf_counter()
                subprocess.run(
                    [*CLI, "kb", "search", "--input", str(qf), "--output", str(rf), "--top", "10", "--db", args.db],
                    env=env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                got = {o["id"]: [h["source_id"] for h in o["results"]] for o in map(json.loads, rf.open())}
                res[sp] = {
                    **metrics([first_rank(got[q[0]], q[2]) for q in qs]),
                    "search_s": round(time.perf_counter() - t0, 1),
                }
            out[name] = res
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
