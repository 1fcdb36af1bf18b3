"""`gridloop triage --input FILE.jsonl --output FILE.jsonl`: batch triage, resumable, with a progress bar."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from gridloop.platform.cli.common import DbOption, container_for
from gridloop.triage.services.batch import InputMessage

CHUNK = 2000
REFERENCE_SIZE = 5000
_encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder (json.dumps with options builds one per call)


def _num(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_line(line: str, lineno: int) -> InputMessage:
    """One JSONL record → InputMessage; ValueError with the reason when it is unusable."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: not JSON ({exc.msg})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"line {lineno}: not a JSON object")

    when = None
    if rec.get("reported_at"):
        try:
            when = datetime.fromisoformat(str(rec["reported_at"]).replace("Z", "+00:00"))
        except ValueError:
            when = None
    return InputMessage(
        id=str(rec.get("id", f"line-{lineno}")),
        title=str(rec.get("title") or ""),
        text=str(rec.get("text") or ""),
        reported_at=when,
        lng=_num(rec.get("lng")),
        lat=_num(rec.get("lat")),
        crs=rec.get("crs"),
        address=rec.get("address"),
    )


def _read(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                yield n, line


def _drop_partial_line(output: Path) -> None:
    """Cut a half-written last line left by an interrupted run, so appending starts on a fresh line."""
    with output.open("rb+") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        pos = size - 1
        while pos > 0:
            step = min(65536, pos)
            fh.seek(pos - step)
            block = fh.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                fh.truncate(pos - step + nl + 1)
                return
            pos -= step
        fh.truncate(0)


def _done_ids(output: Path) -> tuple[dict[str, str], set[str]]:
    """Ids already written by an earlier run → their duplicate group (the id itself when there is none), and the
    ids of those that were meaningless (never indexed for duplicates)."""
    done: dict[str, str] = {}
    meaningless: set[str] = set()
    if not output.exists():
        return done, meaningless
    _drop_partial_line(output)
    with output.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
                key = str(rec["id"])
            except (ValueError, KeyError, TypeError):
                continue  # a half-written last line from an interrupted run
            done[key] = str(rec.get("duplicate_group") or key)
            if rec.get("meaningless"):
                meaningless.add(key)
    return done, meaningless


def prefer_small_pages() -> None:
    """Stop numpy asking the kernel for transparent huge pages for its large arrays, for the rest of this process.

    numpy marks every array of 4 MB or more `madvise(MADV_HUGEPAGE)`; the mark stays on the memory after the array
    is freed, and where the kernel builds huge pages on demand (THP `defrag=madvise`, the Debian/Ubuntu default)
    each later fault there zeroes or compacts 2 MB. A batch run makes and frees such arrays all the time: with the
    marks, 15–20 % of its time was system time (84–134 µs of 508–594 per message, docs/models.md §7); without,
    about 2 %. Called first by `gridloop triage` (before the model loads), and by the bench that measures it."""
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def run_batch(
    input_path: Path,
    output_path: Path,
    *,
    triage: Any,
    progress: bool = False,
    dedup: bool = True,
    locator: Any = None,
) -> dict[str, int]:
    """Triage every record of input into output (appending; already-done ids are skipped)."""
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
    from gridloop.triage.services.batch import triage_chunk
    from gridloop.triage.services.duplicates import EventIndex

    done, meaningless_done = _done_ids(output_path)
    total = sum(1 for _ in _read(input_path))
    finder = None
    events = None
    if dedup:
        reference: list[tuple[str, str]] = []
        for n, line in _read(input_path):
            if len(reference) >= REFERENCE_SIZE:
                break
            try:
                m = parse_line(line, n)
            except ValueError:
                continue
            reference.append((m.title, m.text))
        finder = DuplicateIndex(SketchVectorizer(documents(reference)))
        events = EventIndex()
    stats = {"total": total, "skipped_done": 0, "written": 0, "errors": 0}
    groups = dict(done)  # duplicate groups across chunks (and across an interrupted run)
    bar: Any = None
    if progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        bar.start()
        task = bar.add_task("triage", total=total)
    with output_path.open("a", encoding="utf-8") as out:
        chunk: list[InputMessage] = []
        replay: list[InputMessage] = []

        def flush() -> None:
            if replay and finder is not None:  # re-index what an earlier run already wrote
                sketches = finder.sketches([(m.title, m.text) for m in replay])
                for m, sk in zip(replay, sketches, strict=True):
                    finder.add(m.id, sk, when=m.reported_at, lng=m.lng, lat=m.lat)
                replay.clear()
            if chunk:
                records = triage_chunk(
                    chunk, triage=triage, finder=finder, locator=locator, groups=groups, events=events
                )
                out.write("".join([_encode(rec) + "\n" for rec in records]))
                out.flush()
                stats["written"] += len(chunk)
                if bar is not None:
                    bar.advance(task, len(chunk))
                chunk.clear()

        for n, line in _read(input_path):
            try:
                m = parse_line(line, n)
            except ValueError as exc:
                if f"line-{n}" in done:
                    continue
                out.write(json.dumps({"id": f"line-{n}", "error": str(exc)}, ensure_ascii=False) + "\n")
                stats["errors"] += 1
                continue
            if m.id in done:
                stats["skipped_done"] += 1
                if m.id not in meaningless_done:
                    replay.append(m)
                if bar is not None:
                    bar.advance(task, 1)
                if len(replay) >= CHUNK:
                    flush()
                continue
            if replay:
                flush()
            chunk.append(m)
            if len(chunk) >= CHUNK:
                flush()
        flush()
    if bar is not None:
        bar.stop()
    return stats


def triage_cmd(
    input_path: Annotated[
        Path, typer.Option("--input", help="JSONL: id, title, text [, reported_at, lng, lat, crs, address].")
    ],
    output_path: Annotated[Path, typer.Option("--output", help="JSONL results; appended to and resumed from.")],
    dedup: Annotated[bool, typer.Option(help="Group duplicates.")] = True,
    locate: Annotated[
        bool, typer.Option(help="Locate each message in the database's geography (needs a city with areas).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Batch triage: category, confidence, urgency + reason, incident type, area, duplicates, masked text."""
    if not input_path.is_file():
        raise typer.BadParameter(f"no such file: {input_path}", param_hint="--input")
    prefer_small_pages()
    container = container_for(db)
    triage = container.deps.triage
    if triage is None:
        raise typer.BadParameter("triage is switched off (GRIDLOOP_TRIAGE_ENABLED=false)")
    stats = run_batch(
        input_path,
        output_path,
        triage=triage,
        progress=sys.stderr.isatty(),
        dedup=dedup,
        locator=container.deps.locator if locate else None,
    )
    container.uow.engine.dispose()
    typer.echo(json.dumps(stats), err=True)
