"""A disk cache of sentence embeddings keyed by text hash, for repeated evaluation runs.

Stored as one ``.npz`` (``keys`` + ``vectors``) per embedder identity (name and weights hash) under
the temp directory, so embedding 23k CLINC150 sentences is paid once per machine; the vector
dimension is the embedder's own.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.embeddings import Embedder, text_key


def default_cache_dir() -> Path:
    return Path(os.environ.get("KITH_EMBED_CACHE", Path(tempfile.gettempdir()) / "kith-embed-cache"))


class CachedEmbedder:
    """Wraps an Embedder: texts already embedded (in this or an earlier run) are read back from disk."""

    def __init__(self, embedder: Embedder, cache_dir: Path | None = None) -> None:
        from indexer.embedder_identity import identity_of

        self.embedder = embedder
        identity = identity_of(embedder)
        self.dimension = identity.dimension
        self.path = (cache_dir or default_cache_dir()) / f"{identity.name}-{identity.weights_sha[:12]}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                data = np.load(self.path)
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
            except Exception:  # a corrupt cache is rebuilt, never fatal
                self._vectors = {}

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._vectors))
        if missing:
            fresh = self.embedder.encode(missing, show_progress=show_progress)
            for text, vector in zip(missing, fresh):
                self._vectors[text_key(text)] = vector
            self.save()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors.keys()))
        vectors = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.dimension), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, self.path)
