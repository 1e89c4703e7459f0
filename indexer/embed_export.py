"""One-time export of the sentence-transformers embedding model to ONNX fp32, kept in the home.

The export runs while torch is loaded anyway (the first indexing run, or the daemon's start) and is
written to ``HOME/embedders/<name>-<weights sha[:16]>/`` as ``model.onnx`` (the transformer: token
ids in, token embeddings out; weights in ``model.onnx.data``), ``tokenizer.json`` and ``embedder.json`` (name, weights sha,
dimension, maximum sequence length, pooling). Queries then embed with onnxruntime and ``tokenizers``
only (indexer/embed_onnx.py). The folder is tied to the weights' hash, so a changed model never
reuses a stale export. Only the standard library is imported at module level: the query path uses
``weights_sha`` and ``export_dir`` without torch.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("kith.embedder")

EXPORTS_DIR = "embedders"
META_NAME = "embedder.json"
ONNX_NAME = "model.onnx"
DATA_NAME = "model.onnx.data"  # weights beside the graph: onnxruntime loads them ~3x faster than inline
TOKENIZER_NAME = "tokenizer.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
OPSET = 17
_sha_lock = threading.Lock()


def weights_file(model_dir: Path) -> Path:
    for name in WEIGHT_FILES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise FileNotFoundError(f"no weights ({' or '.join(WEIGHT_FILES)}) in {model_dir}")


def weights_sha(model_dir: Path, home: Path | None = None) -> str:
    """sha256 of the model's weights file; remembered in ``home`` by (path, size, mtime).

    Hashing 90 MB costs ~0.2 s, which a cold query must not pay every time.
    """
    path = weights_file(model_dir).resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    cache_path = home / EXPORTS_DIR / "weights-sha.json" if home is not None else None
    with _sha_lock:
        cache: dict[str, str] = {}
        if cache_path is not None and cache_path.exists():
            try:
                cache = json.loads(cache_path.read_text())
            except (OSError, ValueError):
                cache = {}
        if key in cache:
            return cache[key]
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        sha = digest.hexdigest()
        if cache_path is not None:
            try:
                cache_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                _write_atomic(cache_path, json.dumps({key: sha, **cache}, indent=1))
            except OSError as exc:  # a read-only home only costs the hash next time
                log.debug("cannot remember the weights hash in %s: %s", cache_path, exc)
        return sha


def export_dir(home: Path, name: str, sha: str, variant: str = "") -> Path:
    """Where the export of model ``name`` with weights ``sha`` lives (``variant``: e.g. a quantized one)."""
    suffix = f"-{variant}" if variant else ""
    return home / EXPORTS_DIR / f"{name}-{sha[:16]}{suffix}"


def read_meta(folder: Path) -> dict[str, Any] | None:
    """The export's metadata when the folder holds a complete export, else None."""
    meta = folder / META_NAME
    if not all((folder / name).is_file() for name in (META_NAME, ONNX_NAME, DATA_NAME, TOKENIZER_NAME)):
        return None
    try:
        return json.loads(meta.read_text())
    except (OSError, ValueError):
        return None


def export_sentence_transformer(model: Any, model_dir: Path, target: Path, name: str, sha: str) -> Path:
    """Write ``model`` (a loaded SentenceTransformer) to ``target`` as ONNX fp32 + tokenizer + meta.

    Written to a temporary sibling folder and renamed into place, so a concurrent reader never sees
    half an export and two writers never corrupt each other.
    """
    import torch

    transformer = model[0]
    bert = transformer.auto_model
    pooling = model[1].get_config_dict() if len(model) > 1 and hasattr(model[1], "get_config_dict") else {}
    mode = pooling.get("pooling_mode") or ("mean" if pooling.get("pooling_mode_mean_tokens", True) else "other")
    if mode != "mean":
        raise ValueError(f"only mean pooling is exported, not {pooling}")
    max_len = int(getattr(transformer, "max_seq_length", None) or 256)
    dimension = int(model.get_embedding_dimension())

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        sample = torch.ones(2, 8, dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        was_training = bert.training
        bert.eval()
        attention = getattr(bert.config, "_attn_implementation", None)
        if attention not in (None, "eager") and hasattr(bert, "set_attn_implementation"):
            bert.set_attn_implementation("eager")  # plain ops: onnxruntime's optimizer fuses them into Attention
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings(bert), (sample, sample, torch.zeros_like(sample)), str(scratch / ONNX_NAME),
                input_names=names, output_names=["token_embeddings"], opset_version=OPSET, dynamo=False,
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]},
                do_constant_folding=True,
            )
        bert.train(was_training)
        if attention not in (None, "eager") and hasattr(bert, "set_attn_implementation"):
            bert.set_attn_implementation(attention)
        save_external(scratch / ONNX_NAME)
        shutil.copyfile(model_dir / TOKENIZER_NAME, scratch / TOKENIZER_NAME)
        meta = {"name": name, "weights_sha": sha, "dimension": dimension, "max_seq_length": max_len,
                "pooling": "mean", "normalize": True, "precision": "fp32", "opset": OPSET,
                "num_heads": int(getattr(bert.config, "num_attention_heads", 0)),
                "hidden_size": int(getattr(bert.config, "hidden_size", dimension)),
                "inputs": names, "source": str(model_dir)}
        (scratch / META_NAME).write_text(json.dumps(meta, indent=1))
        for path in scratch.iterdir():
            os.chmod(path, 0o600)
        try:
            scratch.rename(target)
        except OSError:  # another process finished first: keep its export
            if read_meta(target) is None:
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def save_external(path: Path) -> None:
    """Rewrite the ONNX file at ``path`` with its weights in ``DATA_NAME`` beside it."""
    import onnx

    model = onnx.load(str(path))
    data = path.parent / DATA_NAME
    data.unlink(missing_ok=True)
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=DATA_NAME, size_threshold=1024)


def ensure_export(model: Any, model_dir: Path, home: Path, name: str) -> Path | None:
    """Export ``model`` into ``home`` unless a complete export for its weights is already there.

    Never raises: a failed export only means queries keep using torch.
    """
    try:
        sha = weights_sha(model_dir, home)
        target = export_dir(home, name, sha)
        if read_meta(target) is not None:
            return target
        return export_sentence_transformer(model, model_dir, target, name, sha)
    except Exception as exc:  # noqa: BLE001 - the export is an optimisation, indexing must go on
        log.warning("could not export the embedding model to ONNX (queries stay on torch): %s", exc)
        return None


def _write_atomic(path: Path, text: str) -> None:
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(scratch, path)
