"""Triage quality on a labelled Shanghai-style set (tests/data/shanghai_eval.csv): emergencies, duplicates,
categories and auto-dispatch, measured the way issue 18 states them."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gridloop.kernel.ports import TriageResult

EVAL_COLUMNS = ("id", "text", "category", "urgency", "split")


@dataclass(frozen=True)
class EvalRow:
    """One labelled message of the evaluation set."""

    id: str
    text: str
    category: str
    urgency: str
    incident_type: str
    kind: str
    group_id: str
    negative_of: str
    place: str
    reported_at: datetime | None
    split: str


def is_eval_file(path: Path) -> bool:
    """True when the CSV has the evaluation set's columns (not the Teddy training format)."""
    with path.open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    return all(c in header for c in EVAL_COLUMNS)


def read_eval(path: Path) -> list[EvalRow]:
    """The rows of an evaluation CSV."""
    out: list[EvalRow] = []
    with path.open(encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            at = r.get("reported_at") or ""
            out.append(
                EvalRow(
                    id=r["id"],
                    text=r["text"],
                    category=r["category"],
                    urgency=r["urgency"],
                    incident_type=r.get("incident_type") or "",
                    kind=r.get("kind") or "",
                    group_id=r.get("group_id") or "",
                    negative_of=r.get("negative_of") or "",
                    place=r.get("place") or "",
                    reported_at=datetime.fromisoformat(at) if at else None,
                    split=r.get("split") or "",
                )
            )
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def macro_f1(gold: Sequence[str], pred: Sequence[str | None]) -> float:
    """Macro-F1 over the gold labels."""
    labels = sorted(set(gold))
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        f1s.append(float(_prf(tp, fp, fn)["f1"]))
    return round(sum(f1s) / len(f1s), 4) if f1s else 0.0


def emergency_metrics(rows: Sequence[EvalRow], results: Sequence[TriageResult]) -> dict[str, Any]:
    """Recall and precision of the emergency flag, with the misses and false alarms listed."""
    tp = fp = fn = 0
    missed: list[str] = []
    false: list[str] = []
    by_kind: dict[str, list[int]] = {}
    for row, res in zip(rows, results, strict=True):
        gold = row.urgency == "emergency"
        got = res.urgency == "emergency"
        tp += gold and got
        fp += got and not gold
        fn += gold and not got
        if gold:
            by_kind.setdefault(row.kind or "?", [0, 0])[0] += 1
            by_kind[row.kind or "?"][1] += got
            if not got:
                missed.append(f"{row.id} {row.text[:40]}")
        elif got:
            false.append(f"{row.id} {row.text[:40]} ← {res.urgency_reason}")
    out = _prf(tp, fp, fn)
    near = [(r, s) for r, s in zip(rows, results, strict=True) if r.kind.startswith("near_miss")]
    out["near_misses"] = len(near)
    out["near_misses_flagged"] = sum(1 for _, s in near if s.urgency == "emergency")
    out["recall_by_kind"] = {k: f"{v[1]}/{v[0]}" for k, v in sorted(by_kind.items())}
    out["missed"] = missed
    out["false_alarms"] = false
    return out


def category_metrics(rows: Sequence[EvalRow], results: Sequence[TriageResult], *, threshold: float) -> dict[str, Any]:
    """Macro-F1 of model alone and model + rules, and precision/share of what is auto-dispatched."""
    gold = [r.category for r in rows]
    combined = [res.category for res in results]
    model = [str(res.extra.get("model_category") or res.category) for res in results]
    auto = [(g, res) for g, res in zip(gold, results, strict=True) if res.category and res.confidence >= threshold]
    right = sum(1 for g, res in auto if res.category == g)
    return {
        "macro_f1_model_and_rules": macro_f1(gold, combined),
        "macro_f1_model": macro_f1(gold, model),
        "accuracy_model_and_rules": round(sum(g == p for g, p in zip(gold, combined, strict=True)) / len(gold), 4)
        if gold
        else 0.0,
        "auto_dispatch_threshold": threshold,
        "auto_dispatch_share": round(len(auto) / len(rows), 4) if rows else 0.0,
        "auto_dispatch_precision": round(right / len(auto), 4) if auto else 0.0,
    }


def wilson_lower(right: int, n: int, *, z: float = 1.645) -> float:
    """The lower end of the one-sided 95 % Wilson interval of a proportion."""
    if n == 0:
        return 0.0
    p = right / n
    centre = p + z * z / (2 * n)
    margin = z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5
    return float((centre - margin) / (1 + z * z / n))


CALIBRATION_Z = 1.96
"""The Wilson bound's z for calibrating the auto-dispatch threshold: two-sided 95 % (97.5 % one-sided). The tune
part shaped both the shipped rules and the shipped city examples, so its precision is optimistic; the wider bound
keeps a margin for unseen calls."""


def calibrate_threshold(
    rows: Sequence[EvalRow],
    results: Sequence[TriageResult],
    *,
    target: float = 0.95,
    floor: float = 0.5,
    z: float = CALIBRATION_Z,
) -> float:
    """The lowest confidence threshold at which what is dispatched automatically is ≥ target precise with
    confidence (Wilson lower bound at `z`): the tune part also shaped the rules, so its raw precision is
    optimistic."""
    scored = sorted(((res.confidence, res.category == r.category) for r, res in zip(rows, results, strict=True)))
    candidates = sorted({round(c, 2) for c, _ in scored if c >= floor})
    for t in candidates:
        kept = [ok for c, ok in scored if c >= t]
        if kept and wilson_lower(sum(kept), len(kept), z=z) >= target:
            return t
    return 0.99


PairJudge = Callable[[EvalRow, EvalRow, TriageResult, TriageResult], str]
"""merge / suggest / none for a pair (earlier, later)."""


def duplicate_metrics(rows: Sequence[EvalRow], results: Sequence[TriageResult], judge: PairJudge) -> dict[str, Any]:
    """Pair F1 of merges over every pair of the rows (gold: the same duplicate group), hard negatives merged."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i].reported_at or datetime.min, rows[i].id))
    tp = fp = fn = suggested = 0
    negatives_merged: list[str] = []
    wrong: list[str] = []
    for a, b in itertools.combinations(order, 2):
        ra, rb = rows[a], rows[b]
        gold = bool(ra.group_id) and ra.group_id == rb.group_id
        action = judge(ra, rb, results[a], results[b])
        merged = action == "merge"
        tp += gold and merged
        fn += gold and not merged
        suggested += gold and action == "suggest"
        if merged and not gold:
            fp += 1
            wrong.append(f"{ra.id}~{rb.id}")
            if ra.negative_of == rb.group_id or rb.negative_of == ra.group_id:
                negatives_merged.append(f"{ra.id}~{rb.id}")
    out = _prf(tp, fp, fn)
    out["gold_pairs"] = tp + fn
    out["gold_pairs_suggested"] = suggested
    out["hard_negatives_merged"] = negatives_merged
    out["wrong_merges"] = wrong[:20]
    return out


def sketch_judge(rows: Sequence[EvalRow]) -> PairJudge:
    """The wording-only judge (sketch cosine + time window), as triage decided before issue 18."""
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer, documents
    from gridloop.triage.domain.duplicates import judge_pair

    docs = documents([("", r.text) for r in rows])
    index = DuplicateIndex(SketchVectorizer(docs))
    sketches = {r.id: s for r, s in zip(rows, index.sketches([("", r.text) for r in rows]), strict=True)}

    def sim(a: str, b: str) -> float:
        sa, sb = sketches[a], sketches[b]
        wa = dict(zip(sa.cols.tolist(), sa.weights.tolist(), strict=True))
        return float(sum(w * wa.get(c, 0.0) for c, w in zip(sb.cols.tolist(), sb.weights.tolist(), strict=True)))

    def judge(a: EvalRow, b: EvalRow, _ra: TriageResult, _rb: TriageResult) -> str:
        hours = None
        if a.reported_at and b.reported_at:
            hours = abs((b.reported_at - a.reported_at).total_seconds()) / 3600
        return judge_pair(sim(a.id, b.id), hours_apart=hours, distance_m=None)[0]

    return judge


def evaluate_file(
    path: Path,
    *,
    model: Path | None = None,
    shared_data_dir: Path | None = None,
    split: str = "holdout",
    dedup: str = "event",
    details: bool = False,
) -> dict[str, Any]:
    """Issue 18's table on one split of an evaluation CSV; the auto-dispatch threshold calibrated on `tune`."""
    from gridloop.config import Settings
    from gridloop.platform.script import to_simplified
    from gridloop.triage.adapters.models import resolve_model, shipped_examples, shipped_rules
    from gridloop.triage.adapters.words import automaton_locator, segment
    from gridloop.triage.domain.conventions import Conventions
    from gridloop.triage.services.triage import TriageService

    rows = read_eval(path)
    settings = Settings()
    clf = resolve_model(explicit=model or settings.model_path, active=None, shared_data_dir=shared_data_dir)
    # as plug.build_triage wires it, with the shipped Shanghai rules (the issue measures model + shipped rules)
    triage = TriageService(
        classifier=lambda: clf,
        conventions=lambda: Conventions(shipped_rules(), shipped_examples(), segment=segment),
        simplify=to_simplified,
        review_threshold=settings.auto_dispatch_threshold,
        segment=segment,
        locator=automaton_locator,
    )
    results = triage.analyse_many([("", r.text) for r in rows])
    tune = [(r, s) for r, s in zip(rows, results, strict=True) if r.split == "tune"]
    part = [(r, s) for r, s in zip(rows, results, strict=True) if r.split == split or split == "all"]
    prows, pres = [r for r, _ in part], [s for _, s in part]
    threshold = calibrate_threshold([r for r, _ in tune], [s for _, s in tune]) if tune else triage.review_threshold
    judge = sketch_judge(prows) if dedup == "sketch" else event_judge()
    emergency = emergency_metrics(prows, pres)
    duplicates = duplicate_metrics(prows, pres, judge)
    categories = category_metrics(prows, pres, threshold=threshold)
    default = category_metrics(prows, pres, threshold=triage.review_threshold)
    table = {
        "emergency_recall": emergency["recall"],
        "emergency_precision": emergency["precision"],
        "duplicate_pair_f1": duplicates["f1"],
        "duplicate_hard_negatives_merged": len(duplicates["hard_negatives_merged"]),
        "category_macro_f1_model_and_rules": categories["macro_f1_model_and_rules"],
        "category_macro_f1_model": categories["macro_f1_model"],
        "auto_dispatch_threshold_calibrated_on_tune": threshold,
        "auto_dispatch_precision": categories["auto_dispatch_precision"],
        "auto_dispatch_share": categories["auto_dispatch_share"],
        "auto_dispatch_precision_at_default_threshold": default["auto_dispatch_precision"],
        "auto_dispatch_share_at_default_threshold": default["auto_dispatch_share"],
    }
    out: dict[str, Any] = {
        "data": str(path),
        "split": split,
        "messages": len(prows),
        "emergencies": sum(r.urgency == "emergency" for r in prows),
        "dedup": dedup,
        "table": table,
    }
    if details:
        out["emergency"] = emergency
        out["duplicates"] = duplicates
        out["categories"] = categories
        out["category_errors"] = [
            f"{r.id} {r.category}→{s.category} ({s.confidence:.2f}; {s.extra.get('explanation')}) {r.text[:30]}"
            for r, s in part
            if s.category != r.category
        ]
    return out


def event_judge() -> PairJudge:
    """The event judge: place, time, category, problem and text together (domain/duplicates.py)."""
    from gridloop.triage.domain.duplicates import judge_event

    def judge(a: EvalRow, b: EvalRow, ra: TriageResult, rb: TriageResult) -> str:
        return judge_event(_event(a, ra), _event(b, rb)).action

    return judge


def _event(row: EvalRow, res: TriageResult) -> Any:
    from gridloop.triage.domain.duplicates import EventReport

    kind = res.extra.get("incident_kind")
    return EventReport.of(
        str(res.extra.get("clean_text") or row.text),
        when=row.reported_at,
        category=res.category,
        kind=str(kind) if kind else None,
    )
