"""Evaluate retrieval on a BEIR-format collection with the same index and search code as `kith search`.

Reports nDCG@10 and recall@100 for bm25-only, dense-only and the hybrid fusions (RRF baseline
and convex score combination), so every improvement is measured against the honest baseline.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from indexer.app import KithApp
from indexer.document import Document
from indexer.errors import KithError
from indexer.pipeline import IndexReport
from indexer.search import SearchConfig, Searcher

def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            parts = line.strip().split("\t")
            if number == 0 and parts[0] == "query-id" or len(parts) < 3:
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def check_collection(directory: Path) -> tuple[Path, Path, Path]:
    corpus, queries, qrels = directory / "corpus.jsonl", directory / "queries.jsonl", directory / "qrels" / "test.tsv"
    for path in (corpus, queries, qrels):
        if not path.exists():
            raise KithError(f"not a BEIR collection: {path} is missing (need corpus.jsonl, queries.jsonl, qrels/test.tsv)")
    return corpus, queries, qrels


def corpus_documents(corpus: Path) -> Iterator[Document]:
    for record in read_jsonl(corpus):
        yield Document(kind="note", source_path=str(corpus), locator=f"doc:{record['_id']}",
                       title=record.get("title") or "", body=record.get("text") or "", uid=f"beir:{record['_id']}")


# (what, done, total): "corpus" counts documents read for indexing, "queries" counts queries run.
EvalProgress = Callable[[str, int, int], None]


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def _reporting(items: Iterable[Document], what: str, total: int, progress: EvalProgress) -> Iterator[Document]:
    for number, item in enumerate(items, 1):
        progress(what, number, total)
        yield item


def index_corpus(app: KithApp, corpus: Path, progress: EvalProgress | None = None) -> IndexReport:
    """Index corpus.jsonl as ``note`` documents, one transaction per range; unchanged → no work."""
    documents: Iterable[Document] = corpus_documents(corpus)
    if progress is not None:
        documents = _reporting(documents, "corpus", _count_lines(corpus), progress)
    return app.indexer.index_stream(corpus, "beir.corpus", documents)


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(rank + 2) for rank, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    positives = {d for d, rel in relevant.items() if rel > 0}
    return len(positives & set(ranked[:k])) / len(positives) if positives else 0.0


def default_runs(base: SearchConfig) -> dict[str, SearchConfig | str]:
    return {
        "bm25": "bm25",
        "dense": "dense",
        "hybrid_rrf": replace(base, fusion="rrf"),
        "hybrid_convex": replace(base, fusion="convex"),
    }


def evaluate(app: KithApp, directory: Path, progress: EvalProgress | None = None) -> dict[str, Any]:
    corpus, queries_path, qrels_path = check_collection(directory)
    index_report = index_corpus(app, corpus, progress)
    qrels = load_qrels(qrels_path)
    queries = {q["_id"]: q["text"] for q in read_jsonl(queries_path) if q["_id"] in qrels}
    locator_of = app.store.locators_in_file(str(corpus))
    base = app.search_config
    searcher: Searcher = app.searcher
    depth = 100
    runs = default_runs(base)
    totals = {name: {"ndcg@10": 0.0, "recall@100": 0.0} for name in runs}
    for number, (query_id, text) in enumerate(queries.items(), 1):
        if progress is not None:
            progress("queries", number, len(queries))
        lexical = searcher.bm25(text, None, depth)
        dense = searcher.dense(app.embedder.encode_query(text), None, depth)
        for name, run in runs.items():
            if run == "bm25":
                ranked = [d for d, _ in lexical]
            elif run == "dense":
                ranked = [d for d, _, _ in dense]
            else:
                ranked = [d for d, _ in Searcher(app.store, app.embedder, app.vectors, run).fuse(lexical, dense)]
            beir_ids = [locator_of[d][4:] for d in ranked if d in locator_of]
            totals[name]["ndcg@10"] += ndcg_at(beir_ids, qrels[query_id])
            totals[name]["recall@100"] += recall_at(beir_ids, qrels[query_id])
    count = max(1, len(queries))
    return {
        "collection": str(directory),
        "queries": len(queries),
        "documents": len(locator_of),
        "index": index_report.to_json(),
        "config": {k: getattr(base, k) for k in ("fusion", "rrf_k", "convex_alpha", "candidates")}
        | {"column_weights": list(base.column_weights)},
        "results": {name: {m: round(v / count, 4) for m, v in values.items()} for name, values in totals.items()},
    }
