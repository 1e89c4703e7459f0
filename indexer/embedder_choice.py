"""Which embedding engine a home uses: the ONNX export when there is one, torch otherwise.

``[embedder] engine`` in kith.toml (or ``KITH_EMBEDDER``) chooses:

* ``auto`` (default): the ONNX fp32 export of the model in ``HOME/embedders/`` if it exists, else
  torch, which writes that export the first time it loads, so every later process (a cold
  ``kith search``) embeds without importing torch. Both are the same identity (same vectors).
* ``torch``: always sentence-transformers (still exporting for later).
* ``onnx``: the ONNX fp32 export; torch is loaded only to create it.
* ``all-MiniLM-L6-v2-int8mix``: the quantized engine of indexer/embed_quant.py, built from the fp32
  export on first use. A different identity: an index built with another engine must be switched
  with `kith reembed`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from indexer.embed_export import export_dir, read_meta, weights_sha
from indexer.embeddings import CachingEncoder, Embedder, EmbeddingError, model_dir, model_name

ENGINES = ("auto", "torch", "onnx")
# What ``auto`` builds a new index with. The quantized engine becomes the default only when it meets
# every floor of issue 14 (docs/MEASUREMENTS.md, "Fast embedder"); an index that records another
# embedder keeps using that one (home_embedder).
DEFAULT_ENGINE = "onnx"


def configured_engine(config: dict[str, Any] | None = None) -> str:
    """``KITH_EMBEDDER``, else ``[embedder] engine`` from kith.toml, else ``auto``."""
    value = os.environ.get("KITH_EMBEDDER") or ((config or {}).get("embedder") or {}).get("engine") or "auto"
    return str(value).strip()


def fp32_export(home: Path) -> Path | None:
    """The home's complete ONNX fp32 export of the current model, or None."""
    try:
        folder = export_dir(home, model_name(), weights_sha(model_dir(), home))
    except (OSError, ImportError):
        return None
    return folder if read_meta(folder) is not None else None


def default_embedder(home: Any, engine: str | None = None, threads: int | None = None) -> CachingEncoder:
    """The embedder for ``home`` (a KithHome or a path) under the configured engine."""
    path = Path(getattr(home, "path", home))
    engine = engine or configured_engine(getattr(home, "config", None))
    if engine == "auto":
        engine = DEFAULT_ENGINE
    if engine == "onnx":
        folder = fp32_export(path)
        if folder is not None:
            from indexer.embed_onnx import OnnxEmbedder

            return OnnxEmbedder(folder, threads=threads)
        return Embedder(export_home=path, threads=threads)
    if engine == "torch":
        return Embedder(export_home=path, threads=threads)
    from indexer.embed_quant import QUANTIZED_ENGINES, quantized_embedder

    if engine in QUANTIZED_ENGINES:
        return quantized_embedder(path, engine, threads=threads)
    raise EmbeddingError(f"unknown embedder engine {engine!r} in [embedder] engine / KITH_EMBEDDER "
                         f"(expected one of {', '.join((*ENGINES, *QUANTIZED_ENGINES))})")


def home_embedder(home: Any, store: Any, threads: int | None = None) -> CachingEncoder:
    """The engine a home's index needs: the embedder its index records, when the engine is ``auto``
    and that embedder is registered; otherwise the configured engine (a mismatch with the index is
    then reported by indexer/embedder_identity.py, and `kith reembed` switches)."""
    from indexer.embedder_identity import recorded
    from indexer.embedder_registry import available, configured_name, make_embedder

    if configured_engine(getattr(home, "config", None)) == "auto" and configured_name() is None:
        index = recorded(store)
        if index is not None and index.name in available():
            return make_embedder(index.name, home=Path(getattr(home, "path", home)), threads=threads)
    return default_embedder(home, threads=threads)
