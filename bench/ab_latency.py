"""Same-run A/B latency comparison of two checkouts of kith (e.g. main before and after a change).

    .venv/bin/python bench/ab_latency.py A_DIR B_DIR [--rounds 3] [--messages 1000] [--queries 100]

Runs ``bench/query_latency.py`` and ``bench/daemon_latency.py`` alternately (A, B, A, B, ...) with
``PYTHONPATH`` set to each checkout, on one shared pre-indexed home, and prints the median over the
rounds of each p50 with the CPU flags. The home is indexed once by A; B's migrations (if any) are
applied on its first run, so both read the same data.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "?"
    model = re.search(r"model name\s*:\s*(.*)", text)
    flags = re.search(r"flags\s*:\s*(.*)", text)
    wanted = [f for f in (flags.group(1).split() if flags else []) if f in {"avx", "avx2", "avx512f", "fma", "sse4_2"}]
    return f"{model.group(1) if model else '?'}; {os.cpu_count()} CPUs; {' '.join(wanted)}"


def run(checkout: Path, script: str, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(checkout / "bench" / script), *args], env=env,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"{script} failed in {checkout}:\n{done.stderr[-3000:]}")
    return done.stdout


def query_p50s(output: str) -> dict[str, float]:
    return {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^\s*(.+?): p50\s+([\d.]+) ms", output, re.M)}


def daemon_p50s(output: str) -> dict[str, float]:
    data = json.loads(output[output.index("{"):])
    return {name: value["p50_ms"] for name, value in data.items() if isinstance(value, dict) and "p50_ms" in value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--root", default="/tmp/kith-bench-ab")
    args = parser.parse_args()
    root = Path(args.root)
    home = root / f"home-{args.messages}"
    daemon_args = ["--messages", str(args.messages), "--runs", str(args.runs), "--inprocess-runs", "3",
                   "--root", str(root)]
    query_args = ["--home", str(home), "--corpus", str(root / "maildir"), "--queries", str(args.queries)]
    print(cpu_flags())
    results: dict[str, dict[str, list[float]]] = {"A": {}, "B": {}}
    run(args.a, "daemon_latency.py", daemon_args)  # builds and indexes the shared home once (A's code)
    for number in range(args.rounds):
        for label, checkout in (("A", args.a), ("B", args.b)) if number % 2 == 0 else (("B", args.b), ("A", args.a)):
            for name, value in query_p50s(run(checkout, "query_latency.py", query_args)).items():
                results[label].setdefault(f"query {name}", []).append(value)
            for name, value in daemon_p50s(run(checkout, "daemon_latency.py", daemon_args)).items():
                results[label].setdefault(f"daemon {name}", []).append(value)
            print(f"round {number + 1} {label} done", flush=True)
    print(f"{'p50 (median of ' + str(args.rounds) + ' rounds), ms':<48} {'A':>8} {'B':>8} {'B/A':>6}")
    for name in results["A"]:
        a, b = statistics.median(results["A"][name]), statistics.median(results["B"].get(name, [float('nan')]))
        print(f"{name:<48} {a:8.1f} {b:8.1f} {b / a if a else float('nan'):6.2f}")


if __name__ == "__main__":
    main()
