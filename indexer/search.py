"""Hybrid retrieval: FTS5 bm25 and dense FAISS results fused per document.

Two fusion methods are available: reciprocal rank fusion (``rrf``, k = 60, the baseline) and a
convex combination of per-query normalised scores (``convex``). Filters (kind, dates, person,
source, place) apply to both legs; a selective filter switches the dense leg from the FAISS cache
to an exact scan of just the matching chunks, so filtered queries never lose recall.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, make_dataclass
from datetime import datetime
from typing import Any

import numpy as np

from indexer import kinds
from indexer.embeddings import CachingEncoder
from indexer.errors import FilterError
from indexer.localtime import document_local_iso
from indexer.search_options import filter_fields
from indexer.store import Store
from indexer.store.filters import FILE_TIME_SQL, FilterSQL  # noqa: F401  (FILE_TIME_SQL: re-exported)
from indexer.text_match import first_highlight, highlight_spans, query_terms
from indexer.vectors import VectorIndex



def _check_kind(self: Any) -> None:
    if self.kind and self.kind not in kinds.known():
        raise FilterError(f"unknown kind {self.kind!r}: choose one of {', '.join(kinds.known())}")


def _active(self: Any) -> bool:
    return any(getattr(self, name) for name in self.__dataclass_fields__)


# The filter fields come from indexer.search_options (kind, since, until, person, place, source),
# then identity_keys: person identities pre-resolved by the people layer.
SearchFilters = make_dataclass(
    "SearchFilters", [*filter_fields(), ("identity_keys", list[str] | None, field(default=None))],
    namespace={"__doc__": "What a search is restricted to; empty fields restrict nothing.",
               "__post_init__": _check_kind, "active": property(_active)})
SearchFilters.__module__ = __name__


@dataclass
class SearchConfig:
    fusion: str = "convex"          # convex | rrf
    rrf_k: int = 60
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    convex_alpha: float = 0.5       # share of the dense score in the convex combination
    candidates: int = 100           # per leg
    column_weights: tuple[float, float, float, float] = (2.0, 1.0, 1.0, 0.5)  # title, body, author, participants


@dataclass
class Hit:
    id: str
    kind: str
    title: str
    snippet: str
    score: float
    timestamp: str | None
    author: str | None
    path: str
    locator: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    message_locator: str | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    local_time: str | None = None  # ISO 8601 at the source's offset (see indexer/localtime.py)
    time_is_file_mtime: bool = False  # a photo dated by its file's modification time, not a capture date

    def to_json(self, with_metadata: bool = False) -> dict[str, Any]:
        # Built by hand: asdict() deep-copies the metadata even when it is dropped (~5% of a search).
        data: dict[str, Any] = {name: getattr(self, name) for name in _HIT_FIELDS}
        data["highlights"] = [list(span) for span in self.highlights]
        if with_metadata:
            data["metadata"] = json.loads(json.dumps(self.metadata, default=str))
        data["message_locator"] = self.message_locator
        data["ranks"] = dict(self.ranks)
        return data


_HIT_FIELDS = ("id", "kind", "title", "snippet", "score", "timestamp", "local_time", "time_is_file_mtime", "author",
               "path", "locator")


def is_file_time(doc: dict[str, Any]) -> bool:
    """The Python side of FILE_TIME_SQL, for a documents row with decoded metadata."""
    meta = doc.get("metadata") or {}
    return doc.get("kind") == "photo" and isinstance(meta, dict) and meta.get("date_source") == "file:mtime"


class Searcher:
    def __init__(self, store: Store, embedder: CachingEncoder, vectors: VectorIndex | None = None,
                 config: SearchConfig | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.vectors = vectors if vectors is not None else VectorIndex.load(store)
        self.config = config or SearchConfig()

    # ------------------------------------------------------------------ legs
    def bm25(self, query: str, filters: SearchFilters | None = None, k: int | None = None) -> list[tuple[str, float]]:
        terms = query_terms(query)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        flt = FilterSQL(self.store, filters)
        limit = k or self.config.candidates
        rows = self.store.bm25_documents(match, self.config.column_weights, limit, flt)
        return [(doc_id, -float(rank)) for doc_id, rank in rows]

    def dense(self, query_vector: np.ndarray, filters: SearchFilters | None = None,
              k: int | None = None) -> list[tuple[str, float, int]]:
        """Documents by their best chunk's cosine similarity: (doc_id, score, best_chunk_id)."""
        k = k or self.config.candidates
        if filters is not None and filters.active:
            flt = FilterSQL(self.store, filters)
            if self.vectors.ntotal == 0:  # no vector cache (yet): score the stored embeddings directly
                return self._exact_scan(query_vector, flt, k)
            within = np.fromiter(self.store.chunk_ids_where(flt), dtype=np.int64)
            # Exact search restricted to the filtered chunks (a FAISS ID selector): ~7x faster than
            # scoring their stored embeddings, and it never misses a match the way oversampling can.
            chunk_hits = self.vectors.search(query_vector, k * 4, within=within)
        else:
            chunk_hits = self.vectors.search(query_vector, k * 4)
        best: dict[str, tuple[float, int]] = {}
        doc_of = self._chunk_docs([cid for cid, _ in chunk_hits])
        for chunk_id, score in chunk_hits:
            doc_id = doc_of.get(chunk_id)
            if doc_id is None:
                continue
            if doc_id not in best or score > best[doc_id][0]:
                best[doc_id] = (score, chunk_id)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:k]
        return [(doc_id, score, chunk_id) for doc_id, (score, chunk_id) in ranked]

    def _exact_scan(self, query_vector: np.ndarray, flt: FilterSQL, k: int) -> list[tuple[str, float, int]]:
        best: dict[str, tuple[float, int]] = {}
        for rows in self.store.chunk_vectors_where(flt):
            matrix = np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
            scores = matrix @ query_vector.astype(np.float32)
            for (chunk_id, doc_id, _), score in zip(rows, scores):
                if doc_id not in best or score > best[doc_id][0]:
                    best[doc_id] = (float(score), int(chunk_id))
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:k]
        return [(doc_id, score, chunk_id) for doc_id, (score, chunk_id) in ranked]

    def _chunk_docs(self, chunk_ids: list[int]) -> dict[int, str]:
        return self.store.chunk_doc_ids(chunk_ids)

    # ---------------------------------------------------------------- fusion
    def fuse(self, lexical: list[tuple[str, float]], dense: list[tuple[str, float, int]]) -> list[tuple[str, float]]:
        cfg = self.config
        scores: dict[str, float] = {}
        if cfg.fusion == "rrf":
            for rank, (doc_id, _) in enumerate(lexical):
                scores[doc_id] = scores.get(doc_id, 0.0) + cfg.bm25_weight / (cfg.rrf_k + rank + 1)
            for rank, (doc_id, _, _) in enumerate(dense):
                scores[doc_id] = scores.get(doc_id, 0.0) + cfg.dense_weight / (cfg.rrf_k + rank + 1)
        elif cfg.fusion == "convex":
            for doc_id, value in _normalise([(d, s) for d, s in lexical]).items():
                scores[doc_id] = scores.get(doc_id, 0.0) + (1 - cfg.convex_alpha) * value
            for doc_id, value in _normalise([(d, s) for d, s, _ in dense]).items():
                scores[doc_id] = scores.get(doc_id, 0.0) + cfg.convex_alpha * value
        else:
            raise ValueError(f"unknown fusion method {cfg.fusion!r}")
        return sorted(scores.items(), key=lambda item: -item[1])

    # ------------------------------------------------------------ the front
    def search(self, query: str, filters: SearchFilters | None = None, limit: int = 10,
               mode: str = "hybrid", order: str = "relevance") -> list[Hit]:
        """``mode`` is hybrid, bm25 or dense; ``order`` is relevance, newest or oldest."""
        query = (query or "").strip()
        if not query_terms(query) and not (mode == "dense" and query):
            return self._browse(filters, limit, order)
        k = max(self.config.candidates, limit)
        lexical = self.bm25(query, filters, k) if mode in ("hybrid", "bm25") else []
        dense = self.dense(self.embedder.encode_query(query), filters, k) if mode in ("hybrid", "dense") else []
        if mode == "bm25":
            fused = lexical
        elif mode == "dense":
            fused = [(d, s) for d, s, _ in dense]
        else:
            fused = self.fuse(lexical, dense)
        ranks = {"bm25": {d: i + 1 for i, (d, _) in enumerate(lexical)},
                 "dense": {d: i + 1 for i, (d, _, _) in enumerate(dense)}}
        best_chunk = {d: c for d, _, c in dense}
        top = fused[:limit]
        if order != "relevance":
            top = self._reorder(top, order)
        return self._hits(query, top, best_chunk, ranks)

    def _browse(self, filters: SearchFilters | None, limit: int, order: str) -> list[Hit]:
        """No words to match (e.g. "latest photos with my husband"): filtered documents by time.
        Photos dated only by their file's time come after every real date (see FILE_TIME_SQL)."""
        flt = FilterSQL(self.store, filters)
        ids: list[str] = []
        for file_time in (False, True):
            ids += self.store.browse_document_ids(flt, limit - len(ids), order == "oldest", file_time)
            if len(ids) >= limit:
                break
        return self._hits("", [(doc_id, 1.0) for doc_id in ids], {}, {})

    def _reorder(self, fused: list[tuple[str, float]], order: str) -> list[tuple[str, float]]:
        docs = {d["id"]: d for d in self.store.documents_by_ids([d for d, _ in fused])}

        def key(item: tuple[str, float]) -> tuple[bool, str]:
            doc = docs.get(item[0]) or {}
            return is_file_time(doc), doc.get("timestamp") or ""

        by_time = sorted(fused, key=lambda item: key(item)[1], reverse=(order == "newest"))
        return sorted(by_time, key=lambda item: key(item)[0])  # stable: real dates first

    def _hits(self, query: str, fused: list[tuple[str, float]], best_chunk: dict[str, int],
              ranks: dict[str, dict[str, int]]) -> list[Hit]:
        docs = {d["id"]: d for d in self.store.documents_by_ids([doc_id for doc_id, _ in fused])}
        hits = []
        for doc_id, score in fused:
            doc = docs.get(doc_id)
            if doc is None:
                continue
            snippet = self._snippet(query, doc, best_chunk.get(doc_id))
            hits.append(Hit(
                id=doc_id, kind=doc["kind"], title=doc["title"], snippet=snippet, score=round(float(score), 6),
                timestamp=doc["timestamp"], author=doc["author"], path=doc["source_path"], locator=doc["locator"],
                highlights=highlight_spans(snippet, query), metadata=doc["metadata"],
                message_locator=_best_message(query, doc["metadata"]),
                ranks={leg: r[doc_id] for leg, r in ranks.items() if doc_id in r},
                local_time=document_local_iso(doc), time_is_file_mtime=is_file_time(doc),
            ))
        return hits

    def _snippet(self, query: str, doc: dict[str, Any], chunk_id: int | None, width: int = 320) -> str:
        if chunk_id is not None:
            text = self.store.chunk_text(chunk_id)
            text = doc["body"] if text is None else text
        else:
            chunks = self.store.chunk_texts(doc["id"]) or [doc["body"]]
            terms = query_terms(query)
            text = max(chunks, key=lambda c: sum(c.lower().count(t) for t in terms)) if terms else chunks[0]
        return _window(text, query, width)


def _normalise(scored: list[tuple[str, float]]) -> dict[str, float]:
    """Min-max normalise one leg's scores to [0, 1] (a single hit scores 1)."""
    if not scored:
        return {}
    values = [s for _, s in scored]
    low, high = min(values), max(values)
    span = high - low
    return {doc_id: (1.0 if span == 0 else (s - low) / span) for doc_id, s in scored}


def _window(text: str, query: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    first = first_highlight(text, query)
    start = max(0, first[0] - width // 4) if first else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _best_message(query: str, metadata: dict[str, Any]) -> str | None:
    """For a conversation window, the locator of the message that best matches the query."""
    messages = metadata.get("messages") if isinstance(metadata, dict) else None
    if not messages:
        return None
    terms = query_terms(query)
    best = max(messages, key=lambda m: sum(str(m.get("text", "")).lower().count(t) for t in terms)) if terms else messages[0]
    return best.get("locator")


def hits_to_json(hits: list[Hit]) -> str:
    return json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2)
