"""Idle cost: CPU use of an idle daemon (and its reader child) over a minute, and its RSS.

    .venv/bin/python bench/daemon_idle.py --messages 1000 --seconds 60 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import psutil
from _daemon_bench import build_home, parse_args, running_daemon

from indexer.daemon.throttle import cpu_seconds


def main() -> None:
    args = parse_args(1000, seconds=60.0)
    home, _ = build_home(Path(args.root), args.messages)
    with running_daemon(home) as (daemon, status):
        time.sleep(3)
        proc = psutil.Process(daemon.proc.pid)
        before, started = cpu_seconds(proc, recursive=True), time.monotonic()
        time.sleep(args.seconds)
        used, wall = cpu_seconds(proc, recursive=True) - before, time.monotonic() - started
        rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        print(json.dumps({"documents": status["documents"], "seconds": round(wall, 1),
                          "cpu_percent_of_one_core": round(100 * used / wall, 3),
                          "rss_mb_daemon": round(proc.memory_info().rss / 2**20, 1),
                          "rss_mb_with_reader_child": round(rss / 2**20, 1)}, indent=2))


if __name__ == "__main__":
    main()
