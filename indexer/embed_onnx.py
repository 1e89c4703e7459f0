"""The onnxruntime embedding engine: ``tokenizers`` + an exported ONNX transformer, no torch.

It reads a folder written by indexer/embed_export.py (``model.onnx``, ``tokenizer.json``,
``embedder.json``) and reproduces sentence-transformers' pipeline: truncation to the model's
maximum sequence length, mean pooling over the attention mask, L2 normalisation. Texts are sorted
by token length and batched, so padding is small. The fp32 export has the same identity as the
torch engine (its vectors agree to ~1e-7); a quantized export (indexer/embed_quant.py) records
another name in its ``embedder.json`` and so is a different identity.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embed_export import META_NAME, ONNX_NAME, TOKENIZER_NAME, read_meta
from indexer.embeddings import CachingEncoder, EmbeddingError


def default_threads() -> int:
    """Intra-op threads: ``KITH_EMBED_THREADS``, else the machine's cores up to 4."""
    configured = os.environ.get("KITH_EMBED_THREADS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, os.cpu_count() or 1))


def make_session(model_path: Path, threads: int | None = None) -> Any:
    """An onnxruntime CPU session with full graph optimisation and ``threads`` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def mean_pool(token_embeddings: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling followed by L2 normalisation, in float32."""
    weights = mask[..., None].astype(np.float32)
    summed = (token_embeddings * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)


class OnnxEmbedder(CachingEncoder):
    """Embeds with onnxruntime from an export folder; the session is created on first use."""

    def __init__(self, folder: Path, threads: int | None = None, batch_size: int = 32,
                 cache_size: int = 2048) -> None:
        super().__init__(cache_size)
        self.folder = Path(folder)
        meta = read_meta(self.folder)
        if meta is None:
            raise EmbeddingError(f"no complete embedder export in {self.folder} "
                                 f"(needs {ONNX_NAME}, {TOKENIZER_NAME}, {META_NAME})")
        self.meta = meta
        self.name = str(meta["name"])
        self.threads = threads
        self.batch_size = batch_size
        self.max_length = int(meta.get("max_seq_length", 256))
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: list[str] = []
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self.meta["dimension"])

    @property
    def weights_sha(self) -> str:
        return str(self.meta["weights_sha"])

    @property
    def precision(self) -> str:
        return str(self.meta.get("precision", "fp32"))

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                try:
                    tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_NAME))
                    session = make_session(self.folder / ONNX_NAME, self.threads)
                except Exception as exc:  # a corrupt export is one clear line, not a traceback
                    raise EmbeddingError(f"cannot load the ONNX embedder in {self.folder}: {exc}") from exc
                tokenizer.enable_truncation(self.max_length)
                tokenizer.no_padding()
                self._inputs = [i.name for i in session.get_inputs()]
                self._tokenizer, self._session = tokenizer, session
            return self._session, self._tokenizer

    def _encode_new(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._run(session, [encodings[i] for i in batch])
        return out

    def _run(self, session: Any, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = encoding.attention_mask
            types[row, :n] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        token_embeddings = session.run(None, {name: feeds[name] for name in self._inputs})[0]
        return mean_pool(token_embeddings, mask)
