"""Choose `kith eval tools --relevance-floor` and `--no-call-margin` on held-in BFCL items; report held-out ones.

Input: a `kith eval tools ... --categories simple_python,irrelevance --limit N --json --items` report. Every
constrained item carries its ``relevance`` (the request's best cosine to a function, `runtime.tool_relevance`)
and every constrained call its ``call_margin`` (the model's call-vs-no-call log-odds at the reply's first
choice). A relevance floor turns items below it into no call before decoding; a margin threshold turns calls
below it into no call. Both are pure functions of the recorded numbers, so one run serves every pair (run it
with `--relevance-floor -1`, so that nothing was gated). The pair is chosen on the first `--calibrate` items
of each category: the best simple AST among the pairs whose irrelevance reaches its floor (75%), an
operating point at a target no-call rate; ties go to the better irrelevance, then to the lower floor and
threshold. It is then applied
unchanged to the items after them. Rerun `kith eval tools --relevance-floor F --no-call-margin T --skip K`
to see the held-out numbers straight from the CLI.

    python bench/bfcl_margin.py REPORT.json [--calibrate 100] [--row adapter] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

CATEGORIES = ("simple_python", "irrelevance")
FLOORS = {"simple_python": 0.50, "irrelevance": 0.75}
OFF = -math.inf


def accuracy(items: list[dict], category: str, threshold: float, floor: float = OFF) -> float:
    """Accuracy when items below the relevance ``floor`` and calls below the margin ``threshold`` become no call."""
    correct = 0
    for item in items:
        relevance = item.get("relevance")
        gated = item.get("gated") or (relevance is not None and relevance < floor)
        margin = item.get("call_margin")
        overruled = bool(item["calls"]) and margin is not None and margin < threshold
        if category == "irrelevance":
            correct += (not item["calls"]) or overruled or gated
        else:
            correct += bool(item["correct"]) and not overruled and not gated
    return correct / len(items) if items else math.nan


def _candidates(values: set[float]) -> list[float]:
    return [OFF] + [v + 1e-6 for v in sorted(values)]


def choose(held_in: dict[str, list[dict]], use_floor: bool = True, use_margin: bool = True) -> tuple[float, float]:
    """(relevance floor, margin threshold) chosen on ``held_in`` as the module docstring says."""
    floors = _candidates({i["relevance"] for c in CATEGORIES for i in held_in[c] if i.get("relevance") is not None}
                         if use_floor else set())
    margins = _candidates({i["call_margin"] for c in CATEGORIES for i in held_in[c]
                           if i["calls"] and i.get("call_margin") is not None} if use_margin else set())

    def key(pair: tuple[float, float]) -> tuple[bool, float, float, float, float]:
        scores = {c: accuracy(held_in[c], c, pair[1], pair[0]) for c in CATEGORIES}
        irrelevance = scores["irrelevance"]
        return irrelevance >= FLOORS["irrelevance"], scores["simple_python"], irrelevance, -pair[0], -pair[1]

    return max(((f, m) for f in floors for m in margins), key=key)


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
    has_relevance = all("relevance" in i for c in CATEGORIES for i in items[c])
    held_in = {c: items[c][: args.calibrate] for c in CATEGORIES}
    held_out = {c: items[c][args.calibrate:] for c in CATEGORIES}

    def score(split: dict[str, list[dict]], pair: tuple[float, float]) -> dict[str, float]:
        return {c: accuracy(split[c], c, pair[1], pair[0]) for c in CATEGORIES}

    pairs = {"neither": (OFF, OFF), "margin only": choose(held_in, use_floor=False)}
    if has_relevance:
        pairs["relevance only"] = choose(held_in, use_margin=False)
        pairs["both"] = choose(held_in)
    result = {name: {"relevance_floor": f, "threshold": t, "held_in": score(held_in, (f, t)),
                     "held_out": score(held_out, (f, t)), "held_in_items": args.calibrate,
                     "held_out_items": {c: len(held_out[c]) for c in CATEGORIES}}
              for name, (f, t) in pairs.items()}
    if args.json:
        print(json.dumps(result, indent=1, default=str))
        return
    print(f"chosen on items 1-{args.calibrate}; held out: items {args.calibrate + 1}+ "
          f"({', '.join(f'{c} {len(held_out[c])}' for c in CATEGORIES)})"
          + ("" if has_relevance else "; no relevance recorded (rerun kith eval tools --relevance-floor -1)"))
    print(f"{'':<16}{'floor':>8}{'margin':>8}{'held-in simple':>16}{'held-in irrel.':>16}{'held-out simple':>17}"
          f"{'held-out irrel.':>17}")
    for name, r in result.items():
        a, b = r["held_in"], r["held_out"]
        print(f"{name:<16}{r['relevance_floor']:>8.3f}{r['threshold']:>8.3f}{100 * a['simple_python']:>15.1f}%"
              f"{100 * a['irrelevance']:>15.1f}%{100 * b['simple_python']:>16.1f}%{100 * b['irrelevance']:>16.1f}%")


if __name__ == "__main__":
    main()
