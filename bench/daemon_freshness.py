"""Freshness: with the daemon running on an indexed Maildir, how long until a newly written
message is searchable? Writes a message with a unique word, polls the daemon's socket (BM25)
until it shows up. Reports p50/p95 over the trials.

    .venv/bin/python bench/daemon_freshness.py --messages 10000 --trials 20 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

from _daemon_bench import build_home, percentile

from indexer.daemon.harness import DaemonProcess, write_mail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--root", default="/tmp/kith-bench")
    args = parser.parse_args()
    home, maildir = build_home(Path(args.root), args.messages)
    daemon = DaemonProcess(home).start(timeout=600)
    try:
        status = daemon.idle(timeout=3600)
        times = []
        for trial in range(args.trials):
            word = "fresh" + uuid.uuid4().hex[:10]
            started = time.monotonic()
            write_mail(maildir / "new" / f"fresh-{trial}-{word}.eml", f"Freshness trial {trial}",
                       f"This message carries the word {word}.", f"{word}@bench")
            while not daemon.search(word, mode="bm25", limit=1):
                if time.monotonic() - started > 60:
                    raise SystemExit(f"trial {trial}: not searchable after 60 s")
                time.sleep(0.02)
            times.append(time.monotonic() - started)
            time.sleep(0.3)
        print(json.dumps({"documents": status["documents"], "trials": len(times),
                          "p50_s": round(percentile(times, 50), 3), "p95_s": round(percentile(times, 95), 3),
                          "max_s": round(max(times), 3)}, indent=2))
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
