"""What an operator waits for after an editor changes the knowledge base. Prints JSON.

The Beijing and Taipei FAQs (4,191 articles) are imported with `gridloop kb import --no-embed` into a new SQLite
database; the index is built and queried (lexical search, as without stored vectors). Then one article gets a new
version, and the first suggestion after the change is timed two ways, same run:
- `in_request` (the baseline, before the ninth round): the request that finds the index out of date rebuilds it;
- `background` (shipped): the request is answered from the index in memory, checked against today's articles,
  while a thread rebuilds it; the searches made during the rebuild are timed too.

    .venv/bin/python bench/kb_rebuild.py [--shared ../shared/data] [--queries 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "gridloop.cli"]
QUERIES = [
    "暂住证到期了怎么续",
    "良民证在哪开",
    "公积金贷款逾期了怎么办",
    "小孩上学要什么材料",
    "医保异地就医怎么备案",
    "養狗要登記嗎",
    "停车费怎么收",
    "失业了能领什么补助",
    "网约车驾驶员证怎么考",
    "社保断缴有什么影响",
]


def _import(db: str, shared: Path) -> None:
    for name in ("faq_beijing_msgabench.csv", "faq_taipei.csv"):
        cmd = [*CLI, "kb", "import", str(shared / "kb" / name), "--format", "csv", "--id-col", "faq_id"]
        cmd += ["--title-col", "question", "--body-col", "answer", "--no-embed", "--db", db]
        subprocess.run(cmd, check=True, cwd=REPO, capture_output=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--queries", type=int, default=40, help="searches timed while the index is rebuilt")
    args = ap.parse_args()
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.knowledge.adapters.sources import ImportItem
    from gridloop.knowledge.services import search

    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridloop-kbr-')) / 'kb.db'}"
    subprocess.run([*CLI, "db", "upgrade", "--db", db], check=True, cwd=REPO, capture_output=True)
    _import(db, Path(args.shared))
    c = build_container(Settings(database_url=db))
    today = date(2026, 12, 6)
    out: dict[str, object] = {"articles": 0}

    def ask(q: str) -> float:
        with c.uow() as uow:
            t0 = time.perf_counter()
            search.search_with_passages(uow.session, q, top=5, today=today)
            return time.perf_counter() - t0

    def change(n: int) -> None:
        item = ImportItem(f"bench-{n}", f"基准测试条目{n}", f"第{n}版的正文，用于触发索引重建。", "基准")
        search.import_articles([item], uow=c.uow, now=datetime.now(UTC))

    t0 = time.perf_counter()
    ask(QUERIES[0])
    out["first_build_ms"] = _ms(time.perf_counter() - t0)
    with c.uow() as uow:
        out["articles"] = len(search.current_index(uow.session, today=today).records)
    quiet = [ask(QUERIES[i % len(QUERIES)]) for i in range(args.queries)]
    out["quiet"] = {"p50_ms": _ms(statistics.median(quiet)), "max_ms": _ms(max(quiet))}

    search.SYNC_REBUILD_RECORDS = 10**9  # the baseline: rebuilt in the request
    change(1)
    out["in_request"] = {"first_search_after_change_ms": _ms(ask(QUERIES[1]))}

    search.SYNC_REBUILD_RECORDS = 1000  # shipped
    change(2)
    t0 = time.perf_counter()
    first = ask(QUERIES[1])
    during = []
    while search._REBUILDS and len(during) < args.queries:
        during.append(ask(QUERIES[len(during) % len(QUERIES)]))
    search.wait_for_rebuilds(600)
    rebuilt = time.perf_counter() - t0
    out["background"] = {
        "first_search_after_change_ms": _ms(first),
        "searches_during_rebuild": len(during),
        "during_p50_ms": _ms(statistics.median(during)) if during else None,
        "during_max_ms": _ms(max(during)) if during else None,
        "rebuilt_after_ms": _ms(rebuilt),
    }
    base = out["in_request"]["first_search_after_change_ms"]  # type: ignore[index]
    out["ratio_first_search"] = round(first * 1000 / base, 4) if base else None
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
