"""End-to-end indexing throughput, and our embedding path against plain SentenceTransformer.encode.

    .venv/bin/python bench/index_throughput.py [--corpus DIR ...] [--kind K] [--json]

Defaults to the Enron Maildir subset. Each corpus is indexed into a fresh temporary home (read,
chunk, embed, store, FAISS), then the chunk texts it produced are embedded again by plain
``SentenceTransformer.encode`` and by kith's ``Embedder.encode`` in the same process, so the ratio
is measured on the same machine state.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.app import KithApp  # noqa: E402
from indexer.embeddings import Embedder, model_dir  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def index_once(corpus: Path, kind: str | None, embedder: Embedder) -> dict:
    with tempfile.TemporaryDirectory(prefix="kith-bench-") as home:
        app = KithApp(home, embedder=embedder)
        start = time.perf_counter()
        report = app.indexer.index_paths([corpus], kind=kind)
        elapsed = time.perf_counter() - start
        texts = [r[0] for r in app.store.db.execute("SELECT text FROM chunks")]
        docs = app.store.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        app.close()
    return {"corpus": str(corpus), "kind": kind, "seconds": round(elapsed, 2), "documents": docs,
            "chunks": len(texts), "files": report.files_seen, "failed_files": report.files_failed,
            "docs_per_second": round(docs / elapsed, 1), "texts": texts}


def embed_compare(texts: list[str], embedder: Embedder, rounds: int = 2) -> dict:
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(model_dir()), device="cpu")
    plain.encode(texts[:32])
    embedder.encode(texts[:32])
    best_plain = best_ours = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        plain.encode(texts, batch_size=32, normalize_embeddings=True)
        best_plain = min(best_plain, time.perf_counter() - start)
        embedder._cache.clear()
        start = time.perf_counter()
        embedder.encode(texts)
        best_ours = min(best_ours, time.perf_counter() - start)
    return {"texts": len(texts), "unique_texts": len(set(texts)),
            "plain_encode_texts_per_s": round(len(texts) / best_plain, 1),
            "kith_embedder_texts_per_s": round(len(texts) / best_ours, 1),
            "speedup": round(best_plain / best_ours, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", type=Path)
    parser.add_argument("--kind")
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpora = args.corpus or [CORPORA / "mail-enron-maildir-subset"]
    embedder = Embedder()
    embedder.encode(["warm up"])
    results = []
    for corpus in corpora:
        run = index_once(corpus, args.kind, embedder)
        texts = run.pop("texts")
        if not args.no_compare and texts:
            run["embedding"] = embed_compare(texts, embedder)
        results.append(run)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for run in results:
        print(f"{run['corpus']}: {run['documents']} documents, {run['chunks']} chunks from {run['files']} files "
              f"in {run['seconds']} s = {run['docs_per_second']} docs/s end to end")
        if "embedding" in run:
            e = run["embedding"]
            print(f"  embedding {e['texts']} chunk texts: plain SentenceTransformer.encode "
                  f"{e['plain_encode_texts_per_s']}/s, kith Embedder {e['kith_embedder_texts_per_s']}/s "
                  f"(x{e['speedup']})")


if __name__ == "__main__":
    main()
