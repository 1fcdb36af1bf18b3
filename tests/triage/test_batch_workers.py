"""The batch command's worker processes: the same bytes as one process, and a dead worker stops it loudly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import gridloop.triage.cli.batch as cli_batch
from gridloop.config import Settings
from gridloop.triage.cli.batch import BatchWorkerError, batch_workers, run_batch, usable_cores
from gridloop.triage.plug import shipped_conventions_value
from gridloop.triage.services.triage import TriageService

TEXTS = [
    "长寿路500弄3号楼楼道漏水，水一直往下流，电话13812345678",
    "长寿路500弄3号楼道里在漏水，楼下都淹了",
    "丽发新城小区旁边搅拌站噪音粉尘严重",
    "丽发新城小区旁边搅拌站噪音粉尘严重，晚上也施工",
    "",
    "😀😀😀",
    "人民广场地铁站门口有人晕倒了，快来人",
    "小区第3栋楼道灯坏了",
    "非机动车道旁边着火了，防火门被锁",
    "我家小区门口的垃圾好几天没人清理，臭气熏天",
    "请问办理居住证需要什么材料？",
    "学校食堂吃完饭以后二十多个学生呕吐腹泻",
]


class FakeClassifier:
    labels = ("城乡建设", "交通运输", "卫生计生")

    def scores(self, texts):
        return [
            {"城乡建设": 0.5 + 0.4 * (len(t) % 2), "交通运输": 0.3 - 0.2 * (len(t) % 2), "卫生计生": 0.2} for t in texts
        ]


def _triage() -> TriageService:
    return TriageService(classifier=FakeClassifier, conventions=shipped_conventions_value)


def _write(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec = {
                "id": f"r{i}",
                "title": "漏水" if i % 5 == 0 else "",
                "text": TEXTS[(i * 7) % len(TEXTS)] if i % 3 else TEXTS[i % len(TEXTS)],
                "reported_at": f"2026-05-01T{9 + i // 20:02d}:{(i * 3) % 60:02d}:00+08:00",
            }
            if i % 4 == 1:
                rec |= {"lng": 121.44 + 0.001 * (i % 3), "lat": 31.24}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if i % 17 == 8:
                fh.write("{not json\n")


@pytest.mark.parametrize("chunk", [3, 7, 50])
def test_the_output_of_worker_processes_is_byte_identical_to_one_process(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(cli_batch, "CHUNK", chunk)  # (error records are written where the chunk is read)
    src = tmp_path / "in.jsonl"
    _write(src, 60)
    one = tmp_path / "one.jsonl"
    run_batch(src, one, triage=_triage(), workers=1)
    expected = one.read_bytes()
    assert expected.count(b'"duplicate_action": "merge"') >= 10, "the sample has duplicates to group"
    for workers in (2, 3):
        dst = tmp_path / f"out-{chunk}-{workers}.jsonl"
        stats = run_batch(src, dst, triage=_triage(), workers=workers)
        assert stats["written"] == 60 and stats["errors"] == 4
        assert dst.read_bytes() == expected, f"{workers} workers, chunks of {chunk}: not the one-process output"


def test_a_run_resumed_with_workers_writes_what_one_process_resumed_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_batch, "CHUNK", 4)
    src = tmp_path / "in.jsonl"
    _write(src, 40)
    full = tmp_path / "full.jsonl"
    run_batch(src, full, triage=_triage(), workers=1)
    head = "\n".join(full.read_text("utf-8").splitlines()[:13]) + "\n"
    outputs = []
    for workers in (1, 2):
        dst = tmp_path / f"resumed-{workers}.jsonl"
        dst.write_text(head, "utf-8")  # interrupted after thirteen records
        run_batch(src, dst, triage=_triage(), workers=workers)
        outputs.append(dst.read_bytes())
    assert outputs[1] == outputs[0]


class DiesInAWorker(TriageService):
    """Triage whose worker processes die on the message that says so (the parent process never triages it)."""

    def analyse_many(self, items):
        if os.getpid() != PARENT and any("DIE" in text for _, text in items):
            os._exit(3)
        return super().analyse_many(items)


PARENT = os.getpid()


def test_a_dead_worker_stops_the_batch_with_an_error_and_only_whole_records_written(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_batch, "CHUNK", 5)
    src = tmp_path / "in.jsonl"
    _write(src, 40)
    lines = src.read_text("utf-8").splitlines()
    lines[30] = json.dumps({"id": "poison", "text": "DIE"})
    src.write_text("\n".join(lines) + "\n", "utf-8")
    dst = tmp_path / "out.jsonl"
    with pytest.raises(BatchWorkerError, match="worker"):
        run_batch(src, dst, triage=DiesInAWorker(classifier=FakeClassifier, conventions=shipped_conventions_value),
                  workers=2)  # fmt: skip
    written = dst.read_text("utf-8")
    assert written == "" or written.endswith("\n")
    ids = [json.loads(line)["id"] for line in written.splitlines()]
    assert "poison" not in ids and len([i for i in ids if i.startswith("r")]) < 40


def test_worker_count_defaults_to_the_usable_cores_and_one_means_none():
    assert Settings().triage_batch_workers == 0
    assert batch_workers(0) == usable_cores() >= 1
    assert batch_workers(1) == 1 and batch_workers(3) == 3


def test_the_command_says_in_one_line_that_a_worker_died_and_exits_non_zero(tmp_path, monkeypatch, capsys, db_url):
    import sys

    from gridloop.cli import _register, app
    from gridloop.platform.cli.errors import run_cli

    _register()
    seen: dict[str, int] = {}

    def dies(*args, **kwargs):
        seen["workers"] = kwargs["workers"]
        raise BatchWorkerError("a triage worker failed (BrokenProcessPool: terminated) after 4000 records were written")

    monkeypatch.setattr(cli_batch, "run_batch", dies)
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, 3)
    args = ["triage", "--input", str(src), "--output", str(dst), "--workers", "2", "--db", db_url]
    monkeypatch.setattr(sys, "argv", ["gridloop", *args])
    assert run_cli(app) == 1
    assert seen["workers"] == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridloop: a triage worker failed"), lines
    assert "incomplete" in lines[0] and "resume" in lines[0]


def test_each_worker_runs_the_after_fork_hook_in_its_own_process(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_batch, "CHUNK", 5)
    src = tmp_path / "in.jsonl"
    _write(src, 30)
    marks = tmp_path / "forked"
    marks.mkdir()

    def after_fork() -> None:
        (marks / str(os.getpid())).touch()

    run_batch(src, tmp_path / "out.jsonl", triage=_triage(), workers=2, after_fork=after_fork)
    pids = {int(p.name) for p in marks.iterdir()}
    assert len(pids) == 2 and os.getpid() not in pids
