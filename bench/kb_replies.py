"""Agreement of the reply-quality scores with the 100 team labels (完整性/可解释性, 0/1). Prints JSON.

Thresholds are chosen on the tune half (split by a hash of 留言编号) and accuracy is reported on the other half;
ROC AUC is given on both. Also prints the distribution of all four scores over every reply in replies.csv.
Usage: python bench/kb_replies.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from gridloop.knowledge.domain.reply_quality import score_reply, signals

REPO = Path(__file__).resolve().parents[1]


def auc(scores: list[float], labels: list[int]) -> float:
    """ROC AUC by pairwise comparison (ties count one half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def best_threshold(scores: list[float], labels: list[int]) -> float:
    """Threshold maximising accuracy on these scores."""
    cands = sorted(set(scores))
    return max(cands, key=lambda t: (np.mean([(s >= t) == bool(y) for s, y in zip(scores, labels, strict=True)]), -t))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    args = ap.parse_args()
    msgs = Path(args.shared) / "messages"
    csv.field_size_limit(sys.maxsize)
    with (msgs / "replies.csv").open(encoding="utf-8") as fh:
        replies = {r["留言编号"]: r for r in csv.DictReader(fh)}
    with (msgs / "replies_quality_labels_team100.csv").open(encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))

    def score(r: dict[str, str]):  # type: ignore[no-untyped-def]
        t = datetime.fromisoformat
        return score_reply(
            r["答复意见"],
            subject=r["留言主题"],
            detail=r["留言详情"],
            asked=t(r["留言时间"]),
            answered=t(r["答复时间"]),
        )

    def half(key: str) -> str:
        return "holdout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 else "tune"

    out: dict[str, object] = {}
    for dim, col in (("completeness", "完整性指标"), ("interpretability", "可解释性指标")):
        res: dict[str, object] = {}
        data = {sp: ([], []) for sp in ("tune", "holdout")}
        for lab in labels:
            s = getattr(score(replies[lab["留言编号"]]), dim)
            data[half(lab["留言编号"])][0].append(s)
            data[half(lab["留言编号"])][1].append(int(lab[col]))
        thr = best_threshold(*data["tune"])
        for sp, (s, y) in data.items():
            acc = float(np.mean([(a >= thr) == bool(b) for a, b in zip(s, y, strict=True)]))
            majority = max(np.mean(y), 1 - np.mean(y))
            res[sp] = {"n": len(y), "auc": auc(s, y), "accuracy": round(acc, 4), "majority_class": round(majority, 4)}
        res["threshold"] = thr
        out[dim] = res
    # which signals separate the labels (tune half only, so the holdout half never informs the rules)
    sig_rows = [
        (signals(replies[lab["留言编号"]]["答复意见"]), lab) for lab in labels if half(lab["留言编号"]) == "tune"
    ]
    out["signal_rates"] = {
        name: {
            col: [
                round(float(np.mean([s[name] for s, lab in sig_rows if lab[col] == v] or [0])), 2) for v in ("0", "1")
            ]
            for col in ("完整性指标", "可解释性指标")
        }
        for name in sig_rows[0][0]
    }
    all_scores = [score(r) for r in replies.values()]
    out["all_replies"] = {
        dim: {
            "mean": round(float(np.mean([getattr(s, dim) for s in all_scores])), 4),
            "p10": round(float(np.percentile([getattr(s, dim) for s in all_scores], 10)), 4),
            "p90": round(float(np.percentile([getattr(s, dim) for s in all_scores], 90)), 4),
        }
        for dim in ("relevance", "completeness", "interpretability", "timeliness", "overall")
    }
    out["all_replies"]["n"] = len(all_scores)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
