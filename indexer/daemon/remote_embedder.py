"""An embedder that borrows the running daemon's warm model over its socket.

`kith ask` and `kith summarize` do their planning, retrieval and composition in the CLI process, but
every text they embed (the question, intent phrases, candidate sentences) is sent to the daemon's
``embed`` method, so the CLI never imports torch or loads the model. Vectors travel as base64
float32. If the daemon goes away mid-run, the remaining calls fall back to the home's local embedder.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.daemon.client import DaemonError, DaemonUnavailable, call
from indexer.embeddings import DIMENSION, CachingEncoder

MAX_TEXTS_PER_CALL = 512


def pack_vectors(vectors: np.ndarray) -> dict[str, Any]:
    """The JSON form of an (n, d) float32 array."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}


def unpack_vectors(payload: dict[str, Any]) -> np.ndarray:
    shape = tuple(int(n) for n in payload["shape"])
    return np.frombuffer(base64.b64decode(payload["data"]), dtype=np.float32).reshape(shape).copy()


class DaemonEmbedder:
    """Same interface as ``Embedder`` (name, dimension, encode, encode_query), served by the daemon."""

    def __init__(self, home: str | os.PathLike[str] | Path | None, name: str, dimension: int = DIMENSION,
                 identity: dict[str, Any] | None = None) -> None:
        self.home = home
        self._name = name
        self._dimension = dimension
        self.identity = identity  # the daemon's embedder identity (indexer/embedder_identity.py)
        self._local: CachingEncoder | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def served_by_daemon(self) -> bool:
        return self._local is None

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._local is not None:
            return self._local.encode(texts, show_progress=show_progress)
        parts = []
        try:
            for start in range(0, len(texts), MAX_TEXTS_PER_CALL):
                batch = list(texts[start:start + MAX_TEXTS_PER_CALL])
                parts.append(unpack_vectors(call(self.home, "embed", {"texts": batch})))
        except (DaemonUnavailable, DaemonError):
            from indexer.app import KithApp

            app = KithApp(self.home)
            try:
                self._local = app.embedder  # the engine this index needs
            finally:
                app.close()
            return self._local.encode(texts, show_progress=show_progress)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def daemon_embedder(home: str | os.PathLike[str] | Path | None) -> DaemonEmbedder | None:
    """A DaemonEmbedder when a daemon answers for ``home`` with the same model, else None."""
    try:
        info = call(home, "model", {}, timeout=5.0)
    except (DaemonUnavailable, DaemonError):
        return None
    from indexer.embeddings import model_name

    if not isinstance(info, dict) or (not info.get("identity") and info.get("name") != model_name()):
        return None  # a daemon on another model would give vectors that do not match this index
    # with an identity, the app compares it with the index's (indexer/embedder_identity.py)
    return DaemonEmbedder(home, info["name"], int(info.get("dimension") or DIMENSION), info.get("identity"))
