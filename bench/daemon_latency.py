"""Warm query latency: `kith search` as a whole process through the daemon's socket, against the
same search run in-process without a daemon, in one run. Also reports the socket round trip alone,
the same searches on a warm in-process Searcher (the floor), and `kith ask` as a whole process with
and without the daemon's warm model.

Without a daemon, `kith search` embeds its query with the home's ONNX export (onnxruntime, no
torch); the same cold search with ``KITH_EMBEDDER=torch`` (sentence-transformers, the engine before
the export) is interleaved with it run by run, so the two rows compare the same machine state.

    .venv/bin/python bench/daemon_latency.py --messages 1000 --runs 30 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from _daemon_bench import KITH, build_home, cpu_info, parse_args, percentile, running_daemon

from indexer.daemon.client import call

QUERIES = ["meeting schedule", "gas pipeline contract", "lunch on friday", "budget approval", "travel plans"]


ASKS = ["what did they say about the gas pipeline contract?", "when is the budget meeting?",
        "who sent the travel plans?"]


def time_cli(home: Path, runs: int, command: str = "search", engine: str | None = None,
             first: int = 0) -> list[float]:
    env = {**os.environ, "KITH_EMBEDDER": engine} if engine else None
    times = []
    for number in range(first, first + runs):
        text = QUERIES[number % len(QUERIES)] if command == "search" else ASKS[number % len(ASKS)]
        started = time.monotonic()
        subprocess.run([KITH, command, "--json", text, "--home", str(home)], check=True, stdout=subprocess.DEVNULL,
                       env=env)
        times.append((time.monotonic() - started) * 1000)
    return times


def time_cold_engines(home: Path, runs: int) -> tuple[list[float], list[float]]:
    """Cold `kith search` without a daemon: ONNX export (default) and torch, interleaved A/B/A/B."""
    time_cli(home, 1)  # untimed: writes the ONNX export if the home has none yet
    onnx, torch = [], []
    for number in range(runs):
        onnx += time_cli(home, 1, engine="auto", first=number)
        torch += time_cli(home, 1, engine="torch", first=number)
    return onnx, torch


def time_warm_searcher(home: Path, runs: int) -> list[float]:
    from indexer.app import KithApp
    from indexer.search_service import SearchRequest, run_search

    app = KithApp(home)
    run_search(app, SearchRequest(query="warm up"))
    times = []
    for number in range(runs):
        started = time.monotonic()
        run_search(app, SearchRequest(query=QUERIES[number % len(QUERIES)]))
        times.append((time.monotonic() - started) * 1000)
    app.close()
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
        daemon_ask = time_cli(home, args.inprocess_runs, "ask")
    inprocess_cli, inprocess_torch = time_cold_engines(home, args.inprocess_runs)
    inprocess_ask = time_cli(home, args.inprocess_runs, "ask")
    warm = time_warm_searcher(home, args.runs)
    print(json.dumps({"cpu": cpu_info(),
                      "socket_round_trip": summary(socket_times), "kith_search_with_daemon": summary(daemon_cli),
                      "kith_search_in_process": summary(inprocess_cli),
                      "kith_search_in_process_torch": summary(inprocess_torch),
                      "warm_in_process_searcher": summary(warm),
                      "kith_ask_with_daemon": summary(daemon_ask), "kith_ask_in_process": summary(inprocess_ask),
                      "speedup_search_p50": round(percentile(inprocess_cli, 50) / percentile(daemon_cli, 50), 1),
                      "onnx_vs_torch_cold_search_p50": round(percentile(inprocess_torch, 50)
                                                             / percentile(inprocess_cli, 50), 1),
                      "speedup_ask_p50": round(percentile(inprocess_ask, 50) / percentile(daemon_ask, 50), 1)},
                     indent=2))


if __name__ == "__main__":
    main()
