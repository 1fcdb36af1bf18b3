"""Benchmark: import a city's history (issue 19: 1,000,000 rows in minutes, ≥ 0.5× a bare bulk insert).

Generates a CSV of N historical work orders (Chinese headers, local times, categories, statuses, area and lead-unit
codes), then in the same run on two fresh copies of one migrated database with the demo organisation:
- **ours**: `interchange.services.importing.import_cases` — read the CSV, map and check every row, refuse repeats,
  insert cases + their audit events + lead-unit links in one transaction;
- **baseline**: the same case, event and link rows, already built as Python dicts (no file, no parsing, no checks),
  inserted with SQLAlchemy Core executemany in one transaction — the bare cost of storing them.
Prints JSON with rows/s of each and the ratio. Usage: python bench/import_cases.py [ROWS] [--db sqlite|PG_URL]
(default 200,000 rows on SQLite; pass 1000000 for the issue's size).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select, text

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = [
    "工单编号",
    "标题",
    "诉求内容",
    "受理时间",
    "诉求类型",
    "事项分类",
    "办理状态",
    "所属区域",
    "承办单位",
    "办结时间",
]
MAPPING = {
    "number_prefix": "H",
    "columns": {
        "number": "工单编号",
        "title": "标题",
        "text": "诉求内容",
        "received_at": "受理时间",
        "request_type": "诉求类型",
        "category": "事项分类",
        "status": "办理状态",
        "area": "所属区域",
        "lead_unit": "承办单位",
        "closed_at": "办结时间",
    },
    "defaults": {"channel": "phone"},
}
PHRASES = ["小区门口路灯坏了", "楼下饭店油烟扰民", "人行道被共享单车占满", "雨后道路积水严重", "邻居装修噪音太大",
           "垃圾房满溢无人清运", "公交站台顶棚破损", "河道漂浮垃圾", "违章搭建影响通行", "夜间施工噪声"]  # fmt: skip


def _setup(url: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Migrate and build the demo organisation; return category names, (grid code, department code) pairs."""
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.demo import city

    container = build_container(Settings(database_url=url))
    from gridloop.platform.db.migrate import upgrade

    upgrade(container.uow.engine)
    city.build_demo_city(container.uow, deps=container.deps, cases=0, days=30, cells=4, seed=1)
    with container.uow() as uow:
        from gridloop.platform.org.tables import CategoryRow, UnitRow

        cats = list(uow.session.scalars(select(CategoryRow.name_zh)))
        grids = list(
            uow.session.scalars(select(UnitRow.area_code).where(UnitRow.kind == "area", UnitRow.level == "grid"))
        )
        depts = list(uow.session.scalars(select(UnitRow.code).where(UnitRow.kind == "department")))
    container.uow.engine.dispose()  # closes the last connection: SQLite folds its WAL into the file we copy
    return cats, [(g, depts[i % len(depts)]) for i, g in enumerate(grids)], depts


def _write_csv(path: Path, rows: int, cats: list[str], places: list[tuple[str, str]]) -> None:
    rng = random.Random(19)
    start = datetime(2025, 1, 1, 8, 0, tzinfo=SHANGHAI)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            received = start + timedelta(seconds=i * 31 + rng.randrange(30))
            closed = received + timedelta(hours=rng.randrange(2, 200))
            grid, dept = rng.choice(places)
            phrase = rng.choice(PHRASES)
            out.writerow(
                [
                    f"{20250000000 + i}",
                    phrase,
                    f"市民来电反映：{phrase}，已持续多日，希望有关部门尽快处理。",
                    received.strftime("%Y-%m-%d %H:%M:%S"),
                    rng.choice(["投诉", "求助", "咨询", "建议"]),
                    rng.choice(cats),
                    "已办结",
                    grid,
                    dept,
                    closed.strftime("%Y-%m-%d %H:%M:%S"),
                ]
            )


def _ours(url: str, path: Path, mapping_path: Path) -> tuple[float, int]:
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.interchange.cli import read_mapping
    from gridloop.interchange.domain.mapping import parse_spec
    from gridloop.interchange.services.importing import import_cases

    container = build_container(Settings(database_url=url))
    spec = parse_spec(read_mapping(mapping_path))
    t0 = time.perf_counter()
    report = import_cases(container.uow, path, spec, now=datetime.now(UTC), by="bench")
    elapsed = time.perf_counter() - t0
    if not report.ok:
        raise SystemExit(f"import refused: {report.problems[:3]}")
    return elapsed, report.imported


def _bare(url: str, path: Path) -> tuple[float, int]:
    """Insert the same rows, built beforehand as dicts, with Core executemany: the storage cost alone."""
    from gridloop.cases.tables import CaseEventRow, CaseRow, CaseUnitRow
    from gridloop.platform.org.tables import CategoryRow, UnitRow

    engine = create_engine(url)
    with engine.connect() as conn:
        cats = dict(conn.execute(select(CategoryRow.name_zh, CategoryRow.code)).all())
        units = {
            code: (uid, p, ac)
            for uid, code, p, ac in conn.execute(select(UnitRow.id, UnitRow.code, UnitRow.path, UnitRow.area_code))
        }
        by_area = {ac: units[c] for c, (_u, _p, ac) in units.items() if ac}
    types = {"投诉": "complaint", "求助": "help", "咨询": "inquiry", "建议": "suggestion"}
    cases, events, links = [], [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for i, r in enumerate(reader, start=1):
            received = datetime.strptime(r[3], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
            closed = datetime.strptime(r[9], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
            aid, apath, acode = by_area[r[7]]
            lid, lpath, _ = units[r[8]]
            cases.append({"id": i, "number": "H" + r[0], "title": r[1], "text": r[2], "channel": "phone",
                          "request_type": types[r[4]], "urgency": "normal", "category": cats[r[5]], "status": "closed",
                          "area_unit_id": aid, "area_path": apath, "district_code": acode[:6], "street_code": acode[:9],
                          "grid_code": acode, "lead_unit_id": lid, "received_at": received, "closed_at": closed,
                          "updated_at": closed, "attachments": [], "tags": ["imported"], "supervised": False,
                          "return_count": 0, "reopen_count": 0, "version": 1, "sla_level": 0})  # fmt: skip
            events.append({"case_id": i, "at": received, "actor_name": "bench", "actor_role": "admin",
                           "action": "receive", "to_status": "closed", "payload": {}})  # fmt: skip
            links.append({"case_id": i, "unit_id": lid, "unit_path": lpath, "role": "lead", "active": False,
                          "assigned_at": received})  # fmt: skip
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(cases), 5000):
            conn.execute(insert(CaseRow), cases[i : i + 5000])
            conn.execute(insert(CaseUnitRow), links[i : i + 5000])
            conn.execute(insert(CaseEventRow), events[i : i + 5000])
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, len(cases)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 200_000
    pg = sys.argv[sys.argv.index("--db") + 1] if "--db" in sys.argv else None
    work = Path(tempfile.mkdtemp(prefix="gl-import-"))
    try:
        if pg:
            engine = create_engine(pg)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
            template_url = pg
        else:
            template_url = f"sqlite:///{work / 'template.db'}"
        cats, places, _ = _setup(template_url)
        data = work / "history.csv"
        _write_csv(data, rows, cats, places)
        mapping = work / "mapping.json"
        mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
        if pg:
            raise SystemExit("PostgreSQL: run ours and bare on two databases (not implemented in this script yet)")
        shutil.copy(work / "template.db", work / "ours.db")
        shutil.copy(work / "template.db", work / "bare.db")
        bare_s, bare_n = _bare(f"sqlite:///{work / 'bare.db'}", data)
        ours_s, ours_n = _ours(f"sqlite:///{work / 'ours.db'}", data, mapping)
        result = {
            "rows": rows,
            "ours": {"seconds": round(ours_s, 2), "rows_per_s": round(ours_n / ours_s)},
            "baseline_bare_insert": {"seconds": round(bare_s, 2), "rows_per_s": round(bare_n / bare_s)},
            "ratio": round((ours_n / ours_s) / (bare_n / bare_s), 3),
            "goal_ratio": 0.5,
            "database": "sqlite",
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
