"""Eighth round (issue 15): e5 reads the caller's query with the synonym table's official words. Prints JSON.

With the lexical weight at 0.02 the synonym table (暂住证 → 居住证, 良民证 → 无犯罪记录证明…) mostly chooses the 400
candidates, and e5, which does not know that 暂住证 is the old 居住证, orders them. Rewriting the query for e5 gives
it the table's knowledge too. Variants (the lexical side always reads the query as written and expands it itself):
`none`; `replace`: each colloquial term of a row that fires is replaced by its official term (question-form rows,
marked `intent:`, excluded: e5 understands 多少钱 as well as 标准); `append`: the official terms are appended in
brackets; `replace_all` / `append_all`: the same with the question-form rows; `replace_named` / `append_named`
(ninth round): only the rows that rename a thing, the old names and the slang (note `old name…` or `slang…`:
暂住证 → 居住证, 良民证 → 无犯罪记录证明, 跑滴滴 → 网约车, 车本 → 驾驶证). Evaluated with the shipped fusion
(titles as queries, a 0.02, w 0.5) and crosswise on the two outside caller sets, as bench/kb_cross.py.
Usage: python bench/kb_rewrite.py [--cache /tmp/kb-emb]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from kb_embed_cache import Encoder
from kb_eval import REPO, LexicalIndex, evaluate, sets
from kb_semantic import Dense, systems

from gridloop.knowledge.adapters.text import normalize

#: The held-out caller splits (fresh2 is evaluated only with `--final`).
SPLITS = ("holdout", "blind", "fresh")
SHIPPED = {"form": "rerank", "a": 0.02, "k": 400, "w": 0.5, "agg": "mix", "lam": 0.5}


def table() -> list[tuple[str, str, str]]:
    """(colloquial, official, kind) of the packaged table, longest colloquial first; kind: `intent` (a question-form
    row), `named` (an old name or slang), else `other`."""
    path = REPO / "src" / "gridloop" / "knowledge" / "data" / "synonyms.csv"
    with path.open(encoding="utf-8") as fh:
        rows = [
            (r["colloquial"].strip(), r["official"].strip(), _kind(r.get("note") or "")) for r in csv.DictReader(fh)
        ]
    return sorted((r for r in rows if r[0] and r[1]), key=lambda r: -len(r[0]))


def _kind(note: str) -> str:
    if note.startswith("intent:"):
        return "intent"
    return "named" if note.startswith(("old name", "slang")) else "other"


def rewrite(query: str, rows: list[tuple[str, str, str]], mode: str) -> str:
    """The query as e5 reads it under `mode` (see the module's docstring)."""
    if mode == "none":
        return query
    if mode.endswith("_named"):
        use = [r for r in rows if r[2] == "named"]
    else:
        use = [r for r in rows if mode.endswith("_all") or r[2] != "intent"]
    norm = normalize(query)
    officials: list[str] = []
    out = query
    for colloquial, official, _ in use:
        if normalize(colloquial) in norm and normalize(official) not in norm and official not in officials:
            officials.append(official)
            if mode.startswith("replace") and colloquial in out:
                out = out.replace(colloquial, official)
    if mode.startswith("append") and officials:
        out = f"{query}（{'、'.join(officials)}）"
    return out


class Rewritten(Dense):
    """Dense cosines of the rewritten query."""

    def __init__(self, *args, mapping: dict[str, str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.mapping = mapping

    def cos(self, query: str, w: float, agg: str = "first", lam: float = 0.0, cap: int = 32):  # type: ignore[no-untyped-def]
        return super().cos(self.mapping.get(query, query), w, agg, lam, cap)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--cache", default="/tmp/kb-emb")
    ap.add_argument("--modes", default="none,replace,append,replace_all,append_all,replace_named,append_named")
    ap.add_argument(
        "--final",
        default="",
        help="MODE: also evaluate fresh2 under this mode and `none` (a 0.02), once, after the choice",
    )
    args = ap.parse_args()
    records, queries, params = sets(Path(args.shared))["callers"]
    index = LexicalIndex.build(records, params=params)
    enc = Encoder("e5np")
    rows = table()
    out: dict[str, object] = {}
    grid: dict[tuple[str, float], dict[str, float]] = {}
    final: dict[str, object] = {}
    for mode in args.modes.split(","):
        mapping = {q[1]: rewrite(q[1], rows, mode) for q in queries}
        changed = {sp: sum(1 for q in queries if q[3] == sp and mapping[q[1]] != q[1]) for sp in SPLITS}
        queries2 = [(i, mapping[t], rel, sp) for i, t, rel, sp in queries]
        dense = Rewritten(Path(args.cache), enc, records, queries2, chunks=True, title_kind="query", mapping=mapping)
        for a in (0.0, 0.02, 0.05, 0.1, 0.2):
            run = systems(index, dense, {**SHIPPED, "a": a})
            grid[mode, a] = {sp: evaluate(run, queries, sp)["mrr10"] for sp in ("tune", *SPLITS)}
            if args.final and mode in (args.final, "none") and a == 0.02:
                final[mode] = evaluate(run, queries, "fresh2")
        out[mode] = {"queries_changed": changed, **{f"a{a}": grid[mode, a] for a in (0.0, 0.02, 0.05, 0.1, 0.2)}}
    folds = {}
    for choose, report in (("blind", "fresh"), ("fresh", "blind")):
        (mode, a), m = max(grid.items(), key=lambda x: x[1][choose])
        folds[f"chosen_on_{choose}"] = {"mode": mode, "a": a, choose: m[choose], f"reported_on_{report}": m[report]}
    out["folds"] = folds
    if final:
        out["fresh2_once"] = final
    examples = ("暂住证到期了怎么续", "良民证在哪开", "跑滴滴要办什么证")
    out["examples"] = {q: {m: rewrite(q, rows, m) for m in ("replace", "replace_named")} for q in examples}
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
