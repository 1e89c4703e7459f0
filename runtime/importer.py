"""``kith model import``: GGUF file / Hugging Face folder / bundled SmolLM2 -> ``HOME/models/NAME``.

Pipeline (each step in a staging folder, renamed into place only at the end):
  1. source -> fp32 Hugging Face folder ``hf/`` (GGUF is dequantized by transformers; an HF folder is copied)
  2. ``hf/`` -> fp32 ONNX with the onnxruntime-genai builder (temporary)
  3. fp32 ONNX -> ``onnx/`` with every linear layer in Q4_1-style 4-bit MatMulNBits and an 8-bit lm_head
     (``runtime.quantize``: exact for weights that came from a Q4_1 GGUF)
  4. ``hf/`` -> ``onnx-lora/``: the LoRA-capable variant (``runtime.lora_graph``), quantized by the same step with
     the LoRA MatMuls kept fp32; adapters run on it, requests without an adapter on ``onnx/``
  5. ``manifest.json``
An import of the same source bytes with the same options is a no-op (cached by source sha256).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compress.report import PACKED_FILE, REPORT_FILE
from runtime.compressed_import import CompressedCodes, is_compressed_folder
from runtime.errors import BadModelSource
from runtime.gguf_import import check_gguf, gguf_to_hf
from runtime.locate import BUNDLED_NAME, bundled_gguf
from runtime.model_store import InstalledModel, ModelStore, check_name, sha256_file, sha256_tree, write_manifest
from runtime.onnx_build import HF_REQUIRED, build_fp32, check_hf_folder, set_search_defaults

QUANT_OPTIONS: dict[str, Any] = {"method": "q4_1", "block_size": 32, "accuracy_level": 4, "lm_head_bits": 8}
QUANT_METHODS = ("q4_1", "sym4")
ONNX_SIDE_FILES = ("genai_config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja",
                   "special_tokens_map.json")
HF_FILES = HF_REQUIRED + ("generation_config.json", "special_tokens_map.json", "chat_template.jinja")


def resolve_source(source: str | None) -> tuple[Path, str, str]:
    """(path, kind 'gguf' | 'hf', default name)."""
    if source is None:
        path = bundled_gguf()
        assert path is not None
        return path, "gguf", BUNDLED_NAME
    path = Path(source).expanduser().resolve()
    if not path.exists():
        raise BadModelSource(f"{source}: no such file or folder")
    default = _default_name(path)
    if path.is_dir():
        return path, "hf", default
    if path.suffix.lower() == ".gguf" or path.read_bytes()[:4] == b"GGUF":
        return path, "gguf", default
    raise BadModelSource(f"{source} is neither a .gguf file nor a Hugging Face model folder")


def _default_name(path: Path) -> str:
    stem = path.name if path.is_dir() else path.stem
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in stem.lower()).strip("-.") or "model"
    return cleaned[:64]


class _Stages:
    """A tqdm bar over the import's stages (or nothing)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="step", bar_format="{desc:<34}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        if self.bar is not None:
            self.bar.set_description_str(label)
        yield
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def import_model(home: Any, source: str | None = None, *, name: str | None = None, replace: bool = False,
                 progress: bool = True, keep_hf: bool = True, keep_fp32: bool = False,
                 lora: bool = True, quant: str = "q4_1", accuracy_level: int = 4) -> InstalledModel:
    """Import ``source`` into ``home``; returns the installed model (the cached one if already imported).

    ``quant`` is ``q4_1`` (exact for Q4_1 GGUFs, asymmetric otherwise) or ``sym4`` (symmetric 4-bit: faster
    decode, less accurate; see docs/MEASUREMENTS.md).
    ``keep_fp32`` also keeps the builder's fp32 graph as ``onnx-fp32/`` (parity tests; ~4 bytes per parameter);
    ``accuracy_level`` 4 quantizes activations to int8 per block (fast, like llama.cpp); 0 keeps them fp32
    (exact for a Q4_1 GGUF, slower decode).
    ``lora`` builds the LoRA-capable variant ``onnx-lora/`` (adapters run on it).
    A `kith compress` output folder is imported with its own codes (`runtime.compressed_import`): quant
    becomes ``compressed`` whatever was asked.
    """
    path, kind, default_name = resolve_source(source)
    compressed = kind == "hf" and is_compressed_folder(path)
    if compressed:
        quant = "compressed"
    name = check_name(name or default_name)
    if kind == "gguf":
        check_gguf(path)
        source_sha = sha256_file(path)
    else:
        check_hf_folder(path)
        source_sha = sha256_tree(path)
    store = ModelStore.for_home(home)
    store.sweep_stale()
    if quant not in QUANT_METHODS and not compressed:
        raise BadModelSource(f"unknown quantization {quant!r} (choose from {', '.join(QUANT_METHODS)})")
    if accuracy_level not in (0, 1, 2, 3, 4):
        raise BadModelSource(f"accuracy level must be 0..4, not {accuracy_level}")
    options = dict(QUANT_OPTIONS, method=quant, accuracy_level=accuracy_level, keep_hf=keep_hf, keep_fp32=keep_fp32,
                   lora_graph=lora)
    cached = store.find_by_source(source_sha, options)
    if cached is not None and cached.name == name:
        return cached
    codes = CompressedCodes(path) if compressed else None  # reads the packed file: only when building
    stages = _Stages(progress, 6)
    try:
        with store.staging(name, replace=replace) as stage:
            hf_dir = stage / "hf"
            with stages.stage("reading the source" if kind == "hf" else "dequantizing the GGUF"):
                if kind == "gguf":
                    gguf_to_hf(path, hf_dir)
                else:
                    _copy_hf(path, hf_dir)
            config = check_hf_folder(hf_dir)
            fp32_dir = stage / ".fp32"
            with stages.stage("building the ONNX graph (fp32)"):
                build_fp32(hf_dir, fp32_dir, stage / ".builder-cache")
            with stages.stage("quantizing to 4 bits"):
                from runtime.quantize import quantize_model

                stats = quantize_model(fp32_dir / "model.onnx", stage / "onnx" / "model.onnx",
                                       method=options["method"], accuracy_level=options["accuracy_level"],
                                       lm_head_bits=options["lm_head_bits"], codes=codes)
                for side in ONNX_SIDE_FILES:
                    if (fp32_dir / side).is_file():
                        shutil.copy2(fp32_dir / side, stage / "onnx" / side)
                set_search_defaults(stage / "onnx", context_length=config.get("max_position_embeddings"))
                if keep_fp32:
                    os.replace(fp32_dir, stage / "onnx-fp32")
                else:
                    shutil.rmtree(fp32_dir)
                shutil.rmtree(stage / ".builder-cache", ignore_errors=True)
            with stages.stage("building the LoRA graph"):
                if lora:
                    _build_lora(hf_dir, stage, options, codes)
            with stages.stage("hashing"):
                weights = sorted(hf_dir.glob("*.safetensors"))
                base_hash = sha256_file(weights[0]) if len(weights) == 1 else sha256_tree(hf_dir)
                params = _parameter_count(weights)
                onnx_bytes = sum(p.stat().st_size for p in (stage / "onnx").glob("model.onnx*"))
                if not keep_hf:
                    shutil.rmtree(hf_dir)
            with stages.stage("writing the manifest"):
                write_manifest(stage, {
                    "name": name,
                    "format": 1,
                    "source": {"path": str(path), "kind": kind, "sha256": source_sha},
                    "architecture": (config.get("architectures") or ["?"])[0],
                    "model_type": config.get("model_type"),
                    "parameters": params,
                    "context_length": config.get("max_position_embeddings"),
                    "vocab_size": config.get("vocab_size"),
                    "bits_per_weight": {
                        "quantized_linear_layers": round(stats.weight_bits / max(stats.weight_params, 1), 3),
                        "whole_onnx_model": round(onnx_bytes * 8 / max(params, 1), 3),
                    },
                    "quantization": {"exact_q4_1_blocks": stats.exact_blocks, "total_4bit_blocks": stats.total_blocks,
                                     "quantized_nodes": len(stats.quantized), "fp32_nodes": stats.kept_fp32,
                                     **(_compressed_summary(path, stats, codes) if codes is not None else {})},
                    "build_options": options,
                    "builder": {"tool": "onnxruntime_genai.models.builder", "version": _og_version(),
                                "precision": "fp32", "execution_provider": "cpu"},
                    "base_model_hash": base_hash,
                })
    finally:
        stages.close()
    return store.get(name)


def _compressed_summary(source: Path, stats: Any, codes: CompressedCodes) -> dict[str, Any]:
    report = json.loads((source / REPORT_FILE).read_text())
    return {"compressed": {
        "recipe": report.get("recipe"), "bpw": report.get("bpw"), "packed_bytes": report.get("size_bytes"),
        "matmulnbits_nodes_by_bits": {str(b): n for b, n in sorted(stats.widths.items())},
        "note": "layers without an onnxruntime kernel (palettized, pruned, affine, 3-bit) run as fp32 MatMuls "
                "of the decompressed weights: size on disk is the packed size, memory at run time is not",
        "codes_not_matching_the_graph": codes.mismatched}}


def _build_lora(hf_dir: Path, stage: Path, options: dict[str, Any], codes: CompressedCodes | None = None) -> None:
    """``onnx-lora/``: the same quantization as ``onnx/`` with every LoRA MatMul excluded (kept fp32)."""
    from runtime.lora_graph import LORA_DIR, build_lora_graph
    from runtime.quantize import quantize_model

    def quantize(src: Path, dst: Path, exclude: list[str]) -> Any:
        return quantize_model(src, dst, method=options["method"], accuracy_level=options["accuracy_level"],
                              lm_head_bits=options["lm_head_bits"], exclude=exclude, codes=codes)

    build_lora_graph(hf_dir, stage / LORA_DIR, quantize=quantize, genai_config_from=stage / "onnx")


def _copy_hf(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name == PACKED_FILE:  # the packed codes are read from the source; hf/ holds the weights
            continue
        if item.is_file() and (item.name in HF_FILES or item.suffix == ".safetensors" or item.name.endswith(".json")):
            shutil.copy2(item, target / item.name)


def _parameter_count(weights: list[Path]) -> int:
    """Sum of tensor sizes from the safetensors headers (tied weights are stored once)."""
    total = 0
    for path in weights:
        with open(path, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
        for key, info in header.items():
            if key != "__metadata__":
                count = 1
                for dim in info["shape"]:
                    count *= dim
                total += count
    return total


def _og_version() -> str:
    from importlib.metadata import version

    return version("onnxruntime-genai")
