"""Warm query latency of in-process hybrid search: p50 and p95 over N queries.

    .venv/bin/python bench/query_latency.py [--corpus DIR] [--queries 200] [--home DIR]

Indexes the corpus (Enron subset by default) into a home (reused when given), warms the model,
then times ``Searcher.search`` for N queries built from the corpus's own subjects, per mode.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.app import KithApp  # noqa: E402
from indexer.search import SearchFilters  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPORA / "mail-enron-maildir-subset")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--home")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="kith-bench-")
    app = KithApp(args.home or scratch.name)
    app.indexer.index_paths([args.corpus])
    titles = [r[0] for r in app.store.db.execute("SELECT title FROM documents WHERE title != '' ORDER BY id")]
    random.Random(7).shuffle(titles)
    queries = [" ".join(t.split()[:6]) for t in titles[: args.queries]]
    searcher = app.searcher
    searcher.search("warm up the model")
    print(f"{app.store.db.execute('SELECT COUNT(*) FROM documents').fetchone()[0]} documents, "
          f"{len(queries)} queries")
    for label, kwargs in [("hybrid", {}), ("bm25", {"mode": "bm25"}), ("dense", {"mode": "dense"}),
                          ("hybrid+kind filter", {"filters": SearchFilters(kind="mail")})]:
        timings = []
        for query in queries:
            start = time.perf_counter()
            searcher.search(query, limit=10, **kwargs)
            timings.append((time.perf_counter() - start) * 1000)
        print(f"{label:>20}: p50 {statistics.median(timings):6.1f} ms   p95 {percentile(timings, 95):6.1f} ms")
    app.close()


if __name__ == "__main__":
    main()
