"""Warm query latency: `kith search` as a whole process through the daemon's socket, against the
same search run in-process without a daemon, in one run. Also reports the socket round trip alone.

    .venv/bin/python bench/daemon_latency.py --messages 1000 --runs 30 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from _daemon_bench import KITH, build_home, parse_args, percentile, running_daemon

from indexer.daemon.client import call

QUERIES = ["meeting schedule", "gas pipeline contract", "lunch on friday", "budget approval", "travel plans"]


def time_cli(home: Path, runs: int) -> list[float]:
    times = []
    for number in range(runs):
        started = time.monotonic()
        subprocess.run([KITH, "search", "--json", QUERIES[number % len(QUERIES)], "--home", str(home)],
                       check=True, stdout=subprocess.DEVNULL)
        times.append((time.monotonic() - started) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"runs": len(times), "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def main() -> None:
    args = parse_args(1000, runs=30, inprocess_runs=5)
    home, _ = build_home(Path(args.root), args.messages)
    with running_daemon(home):
        socket_times = []
        for number in range(args.runs):
            started = time.monotonic()
            call(home, "search", {"query": QUERIES[number % len(QUERIES)]})
            socket_times.append((time.monotonic() - started) * 1000)
        daemon_cli = time_cli(home, args.runs)
    inprocess_cli = time_cli(home, args.inprocess_runs)
    print(json.dumps({"socket_round_trip": summary(socket_times), "kith_search_with_daemon": summary(daemon_cli),
                      "kith_search_in_process": summary(inprocess_cli)}, indent=2))


if __name__ == "__main__":
    main()
