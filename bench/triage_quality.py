"""Triage quality on the Shanghai-style evaluation set (issue 18's table), on its held-out part. Prints JSON.

The auto-dispatch threshold is calibrated on the `tune` part (≥ 95 % precision) and reported on `holdout`;
nothing is tuned on the holdout. `--dedup sketch` scores the previous, wording-only duplicate judge instead of
the event judge. Usage:
  python bench/triage_quality.py [--data tests/data/shanghai_eval.csv] [--model var/models/classifier.joblib]
      [--split holdout] [--dedup event|sketch] [--details]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from gridloop.triage.services.quality import evaluate_file


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("tests/data/shanghai_eval.csv"))
    ap.add_argument("--model", type=Path, default=Path("var/models/classifier.joblib"))
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--split", default="holdout")
    ap.add_argument("--dedup", default="event", choices=("event", "sketch"))
    ap.add_argument("--details", action="store_true", help="also list misses, false alarms and wrong merges")
    args = ap.parse_args()
    result = evaluate_file(
        args.data,
        model=args.model if args.model.is_file() else None,
        shared_data_dir=args.shared,
        split=args.split,
        dedup=args.dedup,
        details=args.details,
    )
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
