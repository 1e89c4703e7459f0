"""Idle cost: CPU use of an idle daemon (and its reader child) over a minute, and its RSS.

    .venv/bin/python bench/daemon_idle.py --messages 1000 --seconds 60 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import psutil
from _daemon_bench import build_home

from indexer.daemon.harness import DaemonProcess


def cpu_seconds(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--root", default="/tmp/kith-bench")
    args = parser.parse_args()
    home, _ = build_home(Path(args.root), args.messages)
    daemon = DaemonProcess(home).start(timeout=600)
    try:
        status = daemon.idle(timeout=3600)
        time.sleep(3)
        proc = psutil.Process(daemon.proc.pid)
        before, started = cpu_seconds(proc), time.monotonic()
        time.sleep(args.seconds)
        used, wall = cpu_seconds(proc) - before, time.monotonic() - started
        rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        print(json.dumps({"documents": status["documents"], "seconds": round(wall, 1),
                          "cpu_percent_of_one_core": round(100 * used / wall, 3),
                          "rss_mb_daemon": round(proc.memory_info().rss / 2**20, 1),
                          "rss_mb_with_reader_child": round(rss / 2**20, 1)}, indent=2))
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
