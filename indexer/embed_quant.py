"""A quality-aware int8 all-MiniLM-L6-v2 for onnxruntime, built from the home's fp32 export.

Recipe (each step measured, see docs/MEASUREMENTS.md "Fast embedder"):

1. onnxruntime's transformer optimizer fuses the fp32 graph (EmbedLayerNormalization, Attention,
   SkipLayerNormalization, BiasGelu).
2. Dynamic int8 quantization, per output channel, of the MatMul nodes only (integer ops:
   DynamicQuantizeLinear + MatMulInteger; no calibration data needed at build time).
3. Which MatMuls stay fp32 comes from ``measure_sensitivity``: every quantizable node is quantized
   alone and the mean cosine of the result to fp32 is measured on calibration text; the fused
   Attention nodes (Q/K/V) are the most sensitive and stay fp32, as do the MatMuls listed in
   ``KEEP_FP32`` (``bench/embed_sensitivity.py`` reproduces the list).

The result lives in ``HOME/embedders/<name>-<fp32 sha>-int8mix/`` with its own name and the sha256
of its own weights in ``embedder.json``: a different identity from fp32, so an index switches to it
(and back) with `kith reembed`.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from indexer.hashing import file_sha256  # noqa: F401 - re-exported for callers of this module

import numpy as np

from indexer.embed_export import (
    DATA_NAME, META_NAME, ONNX_NAME, TOKENIZER_NAME, export_dir, read_meta, weights_sha,
)
from indexer.embeddings import DEFAULT_MODEL_NAME, EmbeddingError, model_dir, model_name

log = logging.getLogger("kith.embedder")

VARIANT = "int8mix"
QUANTIZED_ENGINES = (f"{DEFAULT_MODEL_NAME}-{VARIANT}",)
# MatMul groups (layer/role) kept in fp32, from the sensitivity measurement
# (`bench/embed_sensitivity.py --texts 64`, 2026-12-01): alone in int8, layer 0's FFN output and
# attention output cost the most cosine (0.99768, 0.99786; every other group >= 0.99838). All 18
# MatMuls in int8 gave 0.99093 on the calibration text, keeping these two 0.99516 (target 0.995).
# The fused Attention nodes (Q/K/V) are never quantized (all of them int8: mean cosine 0.946).
KEEP_FP32: tuple[str, ...] = ("layer.0/output", "layer.0/attention/output")
_ROLE = re.compile(r"layer\.(\d+)/(attention/output|intermediate|output)/dense")


def quantized_name(base: str) -> str:
    return f"{base}-{VARIANT}"


def node_group(node_name: str) -> str:
    """``layer.N/role`` for a MatMul of the encoder (the unit of the sensitivity measurement)."""
    match = _ROLE.search(node_name)
    return f"layer.{match.group(1)}/{match.group(2)}" if match else node_name


def optimize_fp32(source: Path, target: Path, num_heads: int, hidden_size: int) -> Path:
    """onnxruntime's BERT fusions on ``source`` (an fp32 export), saved with external weights."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(source), model_type="bert", num_heads=num_heads, hidden_size=hidden_size,
                               opt_level=0, use_gpu=False)
    optimized.save_model_to_file(str(target), use_external_data_format=True)
    return target


def matmul_nodes(model_path: Path) -> list[str]:
    """Names of the MatMul nodes with a constant weight (the quantizable ones)."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    constants = {t.name for t in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and any(i in constants for i in n.input)]


def quantize(source: Path, target: Path, nodes: Sequence[str]) -> Path:
    """Dynamic int8 (signed weights, per channel) of the MatMul ``nodes`` of ``source``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], nodes_to_quantize=list(nodes),
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    model = onnx.load(str(target))
    onnx.save_model(model, str(target), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=DATA_NAME, size_threshold=1024)
    return target


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum(axis=1).mean())


def measure_sensitivity(optimized: Path, folder_of: Callable[[Path], Any], texts: Sequence[str],
                        reference: np.ndarray, scratch: Path) -> dict[str, float]:
    """Mean cosine to ``reference`` when each MatMul group alone is int8 (1.0 = insensitive)."""
    groups: dict[str, list[str]] = {}
    for node in matmul_nodes(optimized):
        groups.setdefault(node_group(node), []).append(node)
    result: dict[str, float] = {}
    for group, nodes in groups.items():
        model = quantize(optimized, scratch / ONNX_NAME, nodes)
        result[group] = mean_cosine(folder_of(model).encode(list(texts)), reference)
        log.info("sensitivity %s: %.5f", group, result[group])
    return result


def plan_from_sensitivity(sensitivity: dict[str, float], trial: Callable[[list[str]], float],
                          target: float) -> tuple[list[str], list[tuple[int, float]]]:
    """Keep the most sensitive groups fp32, one more at a time, until ``trial(keep)`` >= ``target``.

    Returns the groups kept in fp32 and the (kept count, cosine) path that led there.
    """
    ranked = sorted(sensitivity, key=sensitivity.get)  # lowest cosine first
    path: list[tuple[int, float]] = []
    for count in range(len(ranked) + 1):
        keep = ranked[:count]
        score = trial(keep)
        path.append((count, score))
        if score >= target:
            return keep, path
    return ranked, path


def build_quantized(fp32_folder: Path, target: Path, keep_fp32: Sequence[str] = KEEP_FP32) -> Path:
    """Write the int8-mix embedder for the fp32 export in ``fp32_folder`` to ``target``."""
    meta = read_meta(fp32_folder)
    if meta is None:
        raise EmbeddingError(f"no fp32 export in {fp32_folder} to quantize")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        optimized = optimize_fp32(fp32_folder / ONNX_NAME, scratch / "optimized.onnx",
                                  int(meta.get("num_heads") or 12), int(meta.get("hidden_size") or meta["dimension"]))
        nodes = [n for n in matmul_nodes(optimized) if node_group(n) not in keep_fp32]
        out = scratch / "out"
        out.mkdir(mode=0o700)
        quantize(optimized, out / ONNX_NAME, nodes)
        shutil.copyfile(fp32_folder / TOKENIZER_NAME, out / TOKENIZER_NAME)
        quant_meta = {**meta, "name": quantized_name(meta["name"]), "weights_sha": file_sha256(out / DATA_NAME),
                      "precision": "int8-dynamic-per-channel+fp32", "quantized_nodes": len(nodes),
                      "kept_fp32": list(keep_fp32), "base_name": meta["name"], "base_weights_sha": meta["weights_sha"]}
        (out / META_NAME).write_text(json.dumps(quant_meta, indent=1))
        for path in out.iterdir():
            path.chmod(0o600)
        try:
            out.rename(target)
        except OSError:
            if read_meta(target) is None:
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def quantized_embedder(home: Path, engine: str, threads: int | None = None) -> Any:
    """The int8-mix engine for ``home``, built on first use from the fp32 export (torch only if that is missing)."""
    from indexer.embed_onnx import OnnxEmbedder
    from indexer.embedder_choice import fp32_export

    if engine != quantized_name(model_name()):
        raise EmbeddingError(f"engine {engine!r} quantizes {model_name()!r}, not the configured model")
    target = export_dir(home, model_name(), weights_sha(model_dir(), home), VARIANT)
    if read_meta(target) is None:
        fp32 = fp32_export(home)
        if fp32 is None:
            from indexer.embeddings import Embedder

            Embedder(export_home=home).model  # noqa: B018  (loading torch writes the fp32 export)
            fp32 = fp32_export(home)
            if fp32 is None:
                raise EmbeddingError("could not export the embedding model to ONNX; see the log")
        log.info("building the %s embedder in %s", engine, target)
        build_quantized(fp32, target)
    return OnnxEmbedder(target, threads=threads)
