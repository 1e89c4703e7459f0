"""Crash test, long form: index Enron mail with the daemon, kill -9 it at random moments (at least
20 times), restart each time, then check the index is exact: documents = distinct Message-IDs,
FTS rows = documents, FAISS vectors = chunks, no duplicates, nothing left 'reading'.

    .venv/bin/python bench/crash_recovery.py --kills 20 [--files 997] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from _daemon_bench import ENRON, REPO

from bench.daemon_harness import DaemonProcess, integrity, make_home, wait_for

sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--files", type=int, default=0, help="limit the Enron files copied (0 = all)")
    parser.add_argument("--max-delay", type=float, default=8.0, help="longest wait after start before a kill")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kith-crash-"))
    source = work / "enron"
    files = sorted(p for p in ENRON.rglob("*") if p.is_file())
    if args.files:
        files = files[:args.files]
    ids = set()
    for path in files:
        target = source / path.relative_to(ENRON)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        with open(path, "rb") as handle:
            value = BytesHeaderParser().parse(handle).get("Message-ID")
        ids.add(str(value).strip())
    home = make_home(work / "home")
    import sqlite3

    from indexer.store import Store, utc_now

    store = Store.open(home)
    with store.db.conn:
        store.db.execute("INSERT INTO sources (path, kind, added_at) VALUES (?, NULL, ?)", [str(source), utc_now()])
    store.close()

    def docs() -> int:
        conn = sqlite3.connect(str(home / "kith.db"), timeout=30)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()

    survived, started = 0, time.monotonic()
    for kill in range(args.kills):
        daemon = DaemonProcess(home).start(timeout=300)
        time.sleep(rng.uniform(0, args.max_delay))
        before = docs()
        daemon.kill9()
        survived += 1
        print(f"kill {kill + 1}: {before} documents at the kill", flush=True)
    daemon = DaemonProcess(home).start(timeout=300)
    try:
        status = daemon.idle(timeout=7200)
    finally:
        daemon.stop()
    counts = integrity(home)
    ok = (counts["documents"] == len(ids) == counts["distinct_ids"] and counts["fts_rows"] == counts["documents"]
          and counts["faiss_ntotal"] == counts["chunks"] == status["vectors"] and counts["reading"] == 0
          and counts["docs_without_chunks"] == 0)
    failures = sqlite3.connect(str(home / "kith.db")).execute("SELECT path, error FROM failures").fetchall()
    print(json.dumps({"failures": failures[:5], "kills_survived": survived, "distinct_message_ids": len(ids), **counts,
                      "vectors_in_daemon": status["vectors"], "exact": ok,
                      "minutes": round((time.monotonic() - started) / 60, 1)}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
