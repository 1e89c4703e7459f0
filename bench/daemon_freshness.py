"""Freshness: with the daemon running on an indexed Maildir, how long until a newly written
message is searchable? Writes a message with a unique word, polls the daemon's socket (BM25)
until it shows up. Reports p50/p95 over the trials.

    .venv/bin/python bench/daemon_freshness.py --messages 10000 --trials 20 [--root /tmp/kith-bench]
"""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from _daemon_bench import build_home, parse_args, percentile, running_daemon

from bench.daemon_harness import write_mail


def main() -> None:
    args = parse_args(10000, trials=20)
    home, maildir = build_home(Path(args.root), args.messages)
    with running_daemon(home) as (daemon, status):
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


if __name__ == "__main__":
    main()
