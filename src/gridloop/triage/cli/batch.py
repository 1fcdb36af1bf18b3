"""`gridloop triage --input FILE.jsonl --output FILE.jsonl`: batch triage, resumable, with a progress bar."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from gridloop.kernel.errors import DomainError
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


class BatchWorkerError(DomainError):
    """A worker process of a batch died or failed; the output holds the records of the chunks written before."""

    title = "Batch triage stopped"
    code = "batch-worker-failed"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def batch_workers(setting: int) -> int:
    """Worker processes for a setting: 0 → one per usable core; 1 → none (triage in the command's own process)."""
    return setting if setting > 0 else usable_cores()


# A worker process's triage and sketcher, set by `_init_worker` in that process (never at import).
_worker: dict[str, Any] = {}


def _init_worker(triage: Any, sketcher: Any, events: bool, after_fork: Callable[[], None] | None) -> None:
    if after_fork is not None:
        after_fork()
    _worker.update(triage=triage, sketcher=sketcher, events=events)


Packed = tuple[list[tuple[Any, ...]], Any, Any, list[int], list[tuple[str, str, str, str] | None]]


def _analyse_packed(items: list[tuple[str, str]]) -> Packed:
    """The per-message stage of one chunk, in a worker; returned compact (tuples and two arrays, not objects)."""
    from gridloop.triage.services.batch import analyse_chunk

    analysed = analyse_chunk(items, triage=_worker["triage"], finder=_worker["sketcher"], events=_worker["events"])
    return pack(analysed)


def pack(analysed: Sequence[Any]) -> Packed:
    """Analysed messages → plain tuples and arrays, cheap to pickle: the result fields a record and the grouping
    read, the sketches of the judged messages as one column array and one weight array, their places."""
    rows = []
    for a in analysed:
        r, extra = a.result, a.result.extra
        rows.append(
            (
                r.category,
                r.confidence,
                r.urgency,
                r.urgency_reason,
                r.incident_type,
                r.masked_text,
                r.meaningless,
                r.reason,
                bool(extra.get("needs_review", r.category is None)),
                extra.get("masked_title", ""),
                extra.get("clean_text"),
                extra.get("incident_kind"),
            )
        )
    sketches = [a.sketch for a in analysed if a.sketch is not None]
    cols = np.concatenate([sk.cols for sk in sketches]) if sketches else np.zeros(0, np.int32)
    weights = np.concatenate([sk.weights for sk in sketches]) if sketches else np.zeros(0, np.float32)
    lens = [-1 if a.sketch is None else len(a.sketch.cols) for a in analysed]  # -1: no sketch
    places = [None if a.place is None else (a.place.road, a.place.number, a.place.building, a.place.landmark)
              for a in analysed]  # fmt: skip
    return rows, cols, weights, lens, places


def unpack(packed: Packed) -> list[Any]:
    """`pack`'s tuples and arrays → analysed messages again (with what grouping and the records read)."""
    from gridloop.kernel.ports import TriageResult
    from gridloop.triage.adapters.dedup import Sketch
    from gridloop.triage.domain.duplicates import Place
    from gridloop.triage.services.batch import Analysed

    rows, cols, weights, lens, places = packed
    out = []
    lo = 0
    for row, place, n in zip(rows, places, lens, strict=True):
        cat, conf, urg, urg_reason, incident, masked, meaningless, reason, review, masked_title, clean, kind = row
        extra: dict[str, Any] = {"needs_review": review, "masked_title": masked_title, "incident_kind": kind}
        if clean is not None:
            extra["clean_text"] = clean  # (the clean title only serves sketching, done in the worker)
        result = TriageResult(cat, conf, urg, urg_reason, incident, masked, meaningless, reason, extra)
        sketch = None
        if n >= 0:
            sketch = Sketch(cols[lo : lo + n], weights[lo : lo + n])
            lo += n
        out.append(Analysed(result, sketch, None if place is None else Place(*place)))
    return out


def run_batch(
    input_path: Path,
    output_path: Path,
    *,
    triage: Any,
    progress: bool = False,
    dedup: bool = True,
    locator: Any = None,
    workers: int = 1,
    after_fork: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Triage every record of input into output (appending; already-done ids are skipped).

    `workers` > 1: the per-message stage (triage, wording sketch, place) of each chunk runs in that many forked
    worker processes while this process groups duplicates and writes, in input order, at most `2 × workers` chunks
    ahead; the output is byte for byte the one-process output. Raises `BatchWorkerError` when a worker dies.
    `after_fork` runs first in each worker (e.g. letting go of the database connections it inherited)."""
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
    from gridloop.triage.services.batch import analyse_chunk, group_chunk
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
    to_do = total - len(done)
    workers = max(1, min(workers, -(-to_do // CHUNK)))  # no more workers than chunks to triage
    if workers > 1 and "fork" not in multiprocessing.get_all_start_methods():
        workers = 1  # the workers share the loaded model by forking; without fork, triage in this process
    pool: ProcessPoolExecutor | None = None
    bar: Any = None
    # Load what triage loads on first use (the model, jieba's dictionary) here, then freeze the heap: no garbage
    # collection walks those millions of long-lived objects again (a full collection did, every so often), and
    # the forked workers share them instead of copying every page a collection touches.
    _warm(triage, input_path)
    gc.freeze()
    # what is left to write, in input order: ("chunk", messages, its analysis: a future or a thunk),
    # ("replay", messages already written by an earlier run, to index again), ("line", an error record)
    queue: deque[tuple[str, Any, Any]] = deque()
    in_flight = [0]
    ahead = 2 * workers if workers > 1 else 0

    try:
        if workers > 1:
            pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(triage, finder, events is not None, after_fork),  # inherited by the fork, never pickled
            )
            _result(pool.submit(int), stats, unpacked=False)  # fork now, before any thread (the progress bar) starts
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

            def drain(limit: int) -> None:
                """Write queued work in order until at most `limit` chunks are being analysed."""
                while queue and (in_flight[0] > limit or queue[0][0] != "chunk"):
                    kind, payload, analysis = queue.popleft()
                    if kind == "line":
                        out.write(payload)
                    elif kind == "replay":
                        if finder is not None:  # re-index what an earlier run already wrote
                            sketches = finder.sketches([(m.title, m.text) for m in payload])
                            for m, sk in zip(payload, sketches, strict=True):
                                finder.add(m.id, sk, when=m.reported_at, lng=m.lng, lat=m.lat)
                    else:
                        in_flight[0] -= 1
                        analysed = analysis() if pool is None else _result(analysis, stats)
                        records = group_chunk(
                            payload, analysed, finder=finder, locator=locator, groups=groups, events=events
                        )
                        out.write("".join([_encode(rec) + "\n" for rec in records]))
                        out.flush()
                        stats["written"] += len(payload)
                        if bar is not None:
                            bar.advance(task, len(payload))

            def submit(messages: list[InputMessage]) -> None:
                items = [(m.title, m.text) for m in messages]
                if pool is None:
                    analysis: Any = lambda: analyse_chunk(  # noqa: E731 (run when drained: as one process always did)
                        items, triage=triage, finder=finder, events=events is not None
                    )
                else:
                    try:
                        analysis = pool.submit(_analyse_packed, items)
                    except BrokenProcessPool as exc:  # a worker died before this chunk was handed over
                        raise BatchWorkerError(_failed(exc, stats)) from exc
                queue.append(("chunk", messages, analysis))
                in_flight[0] += 1
                drain(ahead)

            chunk: list[InputMessage] = []
            replay: list[InputMessage] = []
            for n, line in _read(input_path):
                try:
                    m = parse_line(line, n)
                except ValueError as exc:
                    if f"line-{n}" in done:
                        continue
                    record = json.dumps({"id": f"line-{n}", "error": str(exc)}, ensure_ascii=False) + "\n"
                    queue.append(("line", record, None))
                    if pool is None:
                        drain(0)
                    stats["errors"] += 1
                    continue
                if m.id in done:
                    stats["skipped_done"] += 1
                    if m.id not in meaningless_done:
                        replay.append(m)
                    if bar is not None:
                        bar.advance(task, 1)
                    if len(replay) >= CHUNK:
                        _flush(queue, replay, chunk, submit)
                        drain(ahead)
                    continue
                if replay:
                    _flush(queue, replay, chunk, submit)
                    drain(ahead)
                chunk.append(m)
                if len(chunk) >= CHUNK:
                    submit(chunk[:])
                    chunk.clear()
            _flush(queue, replay, chunk, submit)
            drain(0)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.stop()
        gc.unfreeze()
    return stats


def _flush(queue: deque[tuple[str, Any, Any]], replay: list[Any], chunk: list[Any], submit: Any) -> None:
    """Queue the pending replay, then the pending chunk (the one-process order)."""
    if replay:
        queue.append(("replay", replay[:], None))
        replay.clear()
    if chunk:
        submit(chunk[:])
        chunk.clear()


def _result(future: Future[Any], stats: dict[str, int], *, unpacked: bool = True) -> Any:
    """A worker's answer (unpacked), or `BatchWorkerError` when the worker failed or died."""
    try:
        return unpack(future.result()) if unpacked else future.result()
    except Exception as exc:
        raise BatchWorkerError(_failed(exc, stats)) from exc


def _failed(exc: BaseException, stats: dict[str, int]) -> str:
    return f"a triage worker failed ({type(exc).__name__}: {exc}) after {stats['written']} records were written"


def _warm(triage: Any, input_path: Path) -> None:
    """Triage a few of the input's messages, so what triage loads on first use is loaded before the fork."""
    items = []
    for n, line in _read(input_path):
        try:
            m = parse_line(line, n)
        except ValueError:
            continue
        items.append((m.title, m.text))
        if len(items) >= 32:
            break
    triage.analyse_many(items)


def triage_cmd(
    input_path: Annotated[
        Path, typer.Option("--input", help="JSONL: id, title, text [, reported_at, lng, lat, crs, address].")
    ],
    output_path: Annotated[Path, typer.Option("--output", help="JSONL results; appended to and resumed from.")],
    dedup: Annotated[bool, typer.Option(help="Group duplicates.")] = True,
    locate: Annotated[
        bool, typer.Option(help="Locate each message in the database's geography (needs a city with areas).")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            help="Worker processes that triage while this one groups duplicates and writes (0: one per usable CPU "
            "core, 1: none). Default: GRIDLOOP_TRIAGE_BATCH_WORKERS. The output is the same for any number.",
        ),
    ] = None,
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
    try:
        stats = run_batch(
            input_path,
            output_path,
            triage=triage,
            progress=sys.stderr.isatty(),
            dedup=dedup,
            locator=container.deps.locator if locate else None,
            workers=batch_workers(container.settings.triage_batch_workers if workers is None else workers),
            # a worker may read the city's rules again (when they change): on its own connections, never on the
            # pooled ones it inherited from this process
            after_fork=lambda: container.uow.engine.dispose(close=False),
        )
    except BatchWorkerError as exc:  # one line and exit status 1 (platform/cli/errors.py)
        raise BatchWorkerError(
            f"{exc.detail}; {output_path} is incomplete (whole records only): run the same command again to resume"
        ) from None
    finally:
        container.uow.engine.dispose()
    typer.echo(json.dumps(stats), err=True)
