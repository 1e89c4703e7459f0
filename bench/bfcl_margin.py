"""Choose `kith eval tools --no-call-margin` on held-in BFCL items, and report it on held-out ones.

Input: a `kith eval tools ... --categories simple_python,irrelevance --limit N --json --items` report (every
constrained call carries its `call_margin`, the model's call-vs-no-call log-odds at the reply's first choice).
A threshold turns each call whose margin is below it into no call; that is a pure function of the recorded
margins, so one run serves every threshold. The threshold is chosen on the first `--calibrate` items of each
category (the mean of simple AST and irrelevance accuracy, the floors' two numbers; ties go to the smaller
threshold), then applied unchanged to the items after them. Rerun `kith eval tools --no-call-margin T --skip K`
to see the held-out numbers straight from the CLI.

    python bench/bfcl_margin.py REPORT.json [--calibrate 100] [--row adapter] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

CATEGORIES = ("simple_python", "irrelevance")


def accuracy(items: list[dict], category: str, threshold: float) -> float:
    """Accuracy when calls below ``threshold`` become no call (a wrong call stays wrong only if kept)."""
    correct = 0
    for item in items:
        margin = item.get("call_margin")
        overruled = bool(item["calls"]) and margin is not None and margin < threshold
        if category == "irrelevance":
            correct += (not item["calls"]) or overruled
        else:
            correct += bool(item["correct"]) and not overruled
    return correct / len(items) if items else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path)
    parser.add_argument("--calibrate", type=int, default=100, help="held-in items per category")
    parser.add_argument("--row", default="adapter")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    row = next(r for r in report["rows"] if r["row"] == args.row)
    items = {c: row["results"][c]["items"] for c in CATEGORIES}
    if any("call_margin" not in i for c in CATEGORIES for i in items[c] if i["calls"]):
        raise SystemExit("bfcl_margin: the report has calls without call_margin (rerun kith eval tools --items)")
    held_in = {c: items[c][: args.calibrate] for c in CATEGORIES}
    held_out = {c: items[c][args.calibrate:] for c in CATEGORIES}
    margins = sorted({i["call_margin"] for c in CATEGORIES for i in held_in[c] if i["calls"]})
    candidates = [-math.inf] + [m + 1e-6 for m in margins]

    def score(split: dict[str, list[dict]], t: float) -> dict[str, float]:
        return {c: accuracy(split[c], c, t) for c in CATEGORIES}

    best = max(candidates, key=lambda t: (sum(score(held_in, t).values()), -t))
    rows = {"no threshold": (-math.inf, score(held_in, -math.inf), score(held_out, -math.inf)),
            "chosen threshold": (best, score(held_in, best), score(held_out, best))}
    result = {name: {"threshold": t, "held_in": a, "held_out": b, "held_in_items": args.calibrate,
                     "held_out_items": {c: len(held_out[c]) for c in CATEGORIES}} for name, (t, a, b) in rows.items()}
    if args.json:
        print(json.dumps(result, indent=1, default=str))
        return
    print(f"threshold chosen on items 1-{args.calibrate}; held out: items {args.calibrate + 1}+ "
          f"({', '.join(f'{c} {len(held_out[c])}' for c in CATEGORIES)})")
    print(f"{'':<18}{'threshold':>10}{'held-in simple':>16}{'held-in irrel.':>16}{'held-out simple':>17}"
          f"{'held-out irrel.':>17}")
    for name, (t, a, b) in rows.items():
        print(f"{name:<18}{t:>10.3f}{100 * a['simple_python']:>15.1f}%{100 * a['irrelevance']:>15.1f}%"
              f"{100 * b['simple_python']:>16.1f}%{100 * b['irrelevance']:>16.1f}%")


if __name__ == "__main__":
    main()
