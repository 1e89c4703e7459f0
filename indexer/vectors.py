"""The FAISS cache over chunk embeddings: an IndexIDMap2 keyed by chunk row id.

SQLite is the source of truth. The cache file carries the ``vector_generation`` it reflects; on
open a stale or missing cache is reconciled from the stored embeddings (only the difference is
added or removed; nothing is re-embedded). Saves are atomic (write a temp file, then rename), so a
reader never sees a half-written index.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import faiss
import numpy as np

# One query at a time: FAISS's OpenMP threads cost more than they save on a flat search of one
# vector (measured 4.3 ms with 2 threads vs 1.8 ms with 1 on 24k chunks). The OpenMP thread count is
# per calling thread and shared with torch, so it is lowered only around the search and put back:
# set once at import it made torch's embedding single-threaded too (-35% indexing throughput).
SEARCH_THREADS = int(os.environ.get("KITH_FAISS_THREADS", "1"))
from indexer.store import ChangeSet, Store

_BATCH = 4096


class VectorIndex:
    """``dimension`` and ``embedder`` (the identity's JSON) come from the index's recorded embedder
    (``meta``); a cache file made by another embedder is rebuilt, never mixed in."""

    def __init__(self, path: Path, dimension: int | None = None, embedder: str | None = None) -> None:
        self.path = path
        self.sidecar = path.with_suffix(".json")
        self.dimension = dimension
        self.embedder = embedder
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension or 1))
        self.generation = -1
        self.lock = threading.RLock()

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def load(cls, store: Store) -> "VectorIndex":
        """Load the cache for ``store`` and bring it up to date with SQLite."""
        from indexer.embedder_identity import recorded

        identity = recorded(store)
        dimension = identity.dimension if identity else store.stored_vector_dimension()
        vectors = cls(store.home.vectors_path, dimension, identity.weights_sha if identity else None)
        vectors._read_file()
        vectors.reconcile(store)
        return vectors

    def _ensure_dimension(self, dimension: int) -> None:
        """An index without a recorded embedder takes its dimension from the first vectors added."""
        if self.dimension is None and self.ntotal == 0:
            self.dimension = dimension
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def _read_file(self) -> None:
        if not (self.path.exists() and self.sidecar.exists()):
            return
        try:
            meta = json.loads(self.sidecar.read_text())
            index = faiss.read_index(str(self.path))
        except Exception:  # a damaged cache is simply rebuilt
            return
        if (self.dimension is not None and index.d == self.dimension and meta.get("dimension") == self.dimension
                and meta.get("embedder") in (None, self.embedder)):
            self.index = index
            self.generation = int(meta.get("generation", -1))

    def reconcile(self, store: Store) -> bool:
        """Make the cache hold exactly the chunks in SQLite. Returns True if anything changed."""
        generation = store.vector_generation()
        if generation == self.generation:
            return False
        with self.lock:
            stored = np.fromiter(store.chunk_ids(), dtype=np.int64)
            cached = faiss.vector_to_array(self.index.id_map).astype(np.int64) if self.ntotal else np.zeros(0, np.int64)
            extra = np.setdiff1d(cached, stored, assume_unique=True)
            missing = np.setdiff1d(stored, cached, assume_unique=True)
            if len(extra):
                self.index.remove_ids(extra)
            for start in range(0, len(missing), _BATCH):
                batch = missing[start:start + _BATCH].tolist()
                rows = store.chunk_vectors(batch)
                ids = np.array([r[0] for r in rows], dtype=np.int64)
                vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
                self._ensure_dimension(vecs.shape[1])
                self.index.add_with_ids(vecs, ids)
            self.generation = generation
            return bool(len(extra) or len(missing))

    def apply(self, changes: ChangeSet, generation: int) -> None:
        """Follow a write that this process made (cheaper than a reconcile)."""
        with self.lock:
            if changes.removed_ids:
                self.index.remove_ids(np.array(changes.removed_ids, dtype=np.int64))
            if changes.added_ids:
                added = np.vstack(changes.added_vectors).astype(np.float32)
                self._ensure_dimension(added.shape[1])
                self.index.add_with_ids(added, np.array(changes.added_ids, dtype=np.int64))
            self.generation = generation

    def save(self) -> None:
        with self.lock:
            tmp = self.path.with_name(self.path.name + ".tmp")
            faiss.write_index(self.index, str(tmp))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            meta_tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
            meta_tmp.write_text(json.dumps({"generation": self.generation, "dimension": self.dimension,
                                            "ntotal": self.ntotal, "embedder": self.embedder}))
            os.chmod(meta_tmp, 0o600)
            os.replace(meta_tmp, self.sidecar)

    def search(self, query: np.ndarray, k: int, within: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest chunk ids with their scores; ``within`` restricts the (still exact) search
        to those chunk ids, for filtered queries."""
        if self.ntotal == 0 or k <= 0 or (within is not None and len(within) == 0):
            return []
        params = None
        if within is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.ascontiguousarray(within, dtype=np.int64)))
            k = min(k, len(within))
        with self.lock:
            previous = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(SEARCH_THREADS)
            try:
                scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, self.ntotal),
                                                params=params)
            finally:
                faiss.omp_set_num_threads(previous)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
