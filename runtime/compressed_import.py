"""Importing a `kith compress` output folder: its linear int2/int4/int8 layers run as MatMulNBits, bit for bit.

A compressed folder (`compression_report.json` + `compressed.safetensors` next to the decompressed weights)
is imported like any Hugging Face folder, except that each MatMul takes its codes and scales from the packed
file instead of being re-quantized to 4 bits:

- a layer linear-quantized symmetrically at 2, 4 or 8 bits becomes MatMulNBits at that width. Its scales are
  repeated onto blocks of 32 inputs when the recipe used whole channels or larger blocks (the same numbers).
  q, k and v are one fused MatMul in the graph: when their widths differ, the narrower codes are re-centred
  onto the widest grid (exact, since the scale does not change).
- every other layer (palettized, pruned, affine, 3-bit) has no onnxruntime kernel: it stays an fp32 MatMul
  of the decompressed weights. Size on disk is then the packed size, and memory at run time is fp32; the
  manifest lists those nodes.

Every code path is checked against the fp32 graph's own weight (the decompressed one): a node whose codes do
not reproduce it within `TOLERANCE` of a step stays fp32, so a wrong mapping cannot change the model.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compress.report import PACKED_FILE, REPORT_FILE

BLOCK = 32
WIDTHS = (2, 4, 8)
TOLERANCE = 1e-3  # of a quantization step


@dataclass(frozen=True)
class LayerCodes:
    """One symmetric linear layer: unsigned codes [N, K] (zero point 2^(bits-1)) and a scale per [N, K/32]."""

    bits: int
    codes: np.ndarray
    scales: np.ndarray


def is_compressed_folder(folder: Path) -> bool:
    return (folder / REPORT_FILE).is_file() and (folder / PACKED_FILE).is_file()


def load_layers(folder: Path) -> dict[str, LayerCodes]:
    """Every symmetric linear layer of the report at a MatMulNBits width, by module name (aliases included)."""
    from safetensors.numpy import load_file

    from compress.bits import unpack_bits

    report = json.loads((folder / REPORT_FILE).read_text())
    packed = load_file(str(folder / PACKED_FILE))
    out: dict[str, LayerCodes] = {}
    for row in report.get("layers", []):
        name, bits = row["name"], row.get("bits")
        values = packed.get(f"{name}.values.u{bits}")
        scales = packed.get(f"{name}.scales.f16")
        if row.get("technique") != "linear" or bits not in WIDTHS or values is None or scales is None \
                or f"{name}.zero_points.u{bits}" in packed or len(row.get("shape", [])) != 2:
            continue
        n, k = row["shape"]
        groups = scales.shape[1] if scales.ndim == 2 and scales.shape[0] == n else 0
        if not groups or k % groups or (k // groups) % BLOCK:
            continue  # no whole blocks of 32 inputs per scale: stays fp32
        codes = unpack_bits(values, bits, n * k).reshape(n, k).astype(np.uint8)
        per_block = np.repeat(scales.astype(np.float32), (k // groups) // BLOCK, axis=1)
        layer = LayerCodes(bits, codes, per_block)
        for alias in [name, *row.get("aliases", [])]:
            out[alias] = layer
    return out


def _recentre(layer: LayerCodes, bits: int) -> np.ndarray:
    return (layer.codes.astype(np.int16) - (1 << (layer.bits - 1)) + (1 << (bits - 1))).astype(np.uint8)


def modules_for_node(node_name: str) -> list[str]:
    """The Hugging Face modules whose weights a builder MatMul holds, in its output order."""
    match = re.search(r"layers\.(\d+)/(attn|mlp)/(\w+)/MatMul", node_name)
    if match:
        index, block, proj = match.groups()
        prefix = f"model.layers.{index}.{'self_attn' if block == 'attn' else 'mlp'}"
        if proj == "qkv_proj":
            return [f"{prefix}.q_proj", f"{prefix}.k_proj", f"{prefix}.v_proj"]
        return [f"{prefix}.{proj}"]
    if "lm_head" in node_name:
        return ["lm_head", "model.embed_tokens"]
    return []


class CompressedCodes:
    """Callable for `runtime.quantize.quantize_model`: (node, fp32 weight [K, N]) -> (codes, scales, bits) or None."""

    def __init__(self, folder: Path):
        self.layers = load_layers(folder)
        self.mismatched: list[str] = []

    def __call__(self, node_name: str, weight_kn: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
        modules = modules_for_node(node_name)
        if "lm_head" in modules:  # tied: whichever name the report used
            modules = [next((m for m in modules if m in self.layers), modules[0])]
        parts = [self.layers.get(m) for m in modules]
        if not parts or any(p is None for p in parts):
            return None
        bits = max(p.bits for p in parts)  # type: ignore[union-attr]
        codes = np.concatenate([_recentre(p, bits) for p in parts], axis=0)  # type: ignore[arg-type]
        scales = np.concatenate([p.scales for p in parts], axis=0)  # type: ignore[union-attr]
        n, k = codes.shape
        if weight_kn.shape != (k, n):
            self.mismatched.append(node_name)
            return None
        blocks = codes.reshape(n, k // BLOCK, BLOCK).astype(np.float32) - (1 << (bits - 1))
        rebuilt = blocks * scales[..., None]
        step = np.maximum(scales, 1e-30)[..., None]
        if (np.abs(rebuilt - weight_kn.T.reshape(n, k // BLOCK, BLOCK)) / step).max() > TOLERANCE:
            self.mismatched.append(node_name)
            return None
        return codes.reshape(n, k // BLOCK, BLOCK), scales.astype(np.float32), bits
