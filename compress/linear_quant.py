"""Linear quantization: int2..int8 per output channel or per block of inputs, symmetric or affine.

Symmetric stores a signed integer and an fp16 scale per channel/block; affine adds an integer
zero point (same width as the values). These map onto onnxruntime's MatMulNBits when bits are
2, 4 or 8 and the granularity is per block.
"""
from __future__ import annotations

import numpy as np
import torch

from compress.bits import CompressedTensor, IntField
from compress.errors import RecipeError


def _blocks(weight: torch.Tensor, granularity: str, block_size: int | None, name: str) -> torch.Tensor:
    rows, cols = weight.shape
    if granularity == "per_channel":
        return weight.reshape(rows, 1, cols)
    if granularity != "per_block":
        raise RecipeError("granularity", f"'{granularity}' is not per_channel or per_block")
    if not block_size or cols % block_size:
        raise RecipeError("block_size", f"{block_size} does not divide the {cols} input channels of {name}")
    return weight.reshape(rows, cols // block_size, block_size)


def quantize_linear(weight: torch.Tensor, bits: int, *, granularity: str = "per_channel",
                    block_size: int | None = None, mode: str = "symmetric", name: str = "weight",
                    keep: torch.Tensor | None = None) -> CompressedTensor:
    """Quantizes a 2-D weight; `keep` (bool mask) stores only the kept values (joint sparsity)."""
    if mode not in ("symmetric", "affine"):
        raise RecipeError("mode", f"'{mode}' is not symmetric or affine")
    w = _blocks(weight.detach().to(torch.float32), granularity, block_size, name)
    ints: dict[str, IntField] = {}
    if mode == "symmetric":
        qmax = (1 << (bits - 1)) - 1
        scale = (w.abs().amax(dim=2, keepdim=True) / max(qmax, 1)).clamp_min(1e-12)
        scale = scale.to(torch.float16).to(torch.float32).clamp_min(6e-8)
        q = torch.clamp(torch.round(w / scale), -qmax - 1, qmax) + (qmax + 1)
        zero = torch.full_like(scale, qmax + 1)
    else:
        qmax = (1 << bits) - 1
        lo = w.amin(dim=2, keepdim=True).clamp_max(0)
        hi = w.amax(dim=2, keepdim=True).clamp_min(0)
        scale = ((hi - lo) / qmax).clamp_min(1e-12).to(torch.float16).to(torch.float32).clamp_min(6e-8)
        zero = torch.clamp(torch.round(-lo / scale), 0, qmax)
        q = torch.clamp(torch.round(w / scale) + zero, 0, qmax)
        ints["zero_points"] = IntField(zero.reshape(-1).numpy().astype(np.uint16), bits)
    q_flat = q.reshape(-1)
    if keep is not None:
        q_flat = q_flat[keep.reshape(-1)]
    ints["values"] = IntField(q_flat.numpy().astype(np.uint16), bits)
    return CompressedTensor(
        technique="linear", shape=tuple(weight.shape), ints=ints,
        floats={"scales": scale.reshape(scale.shape[0], -1).numpy().astype(np.float16)},
        rebuild=_rebuild,
        details={"bits": bits, "granularity": granularity, "block_size": block_size, "mode": mode,
                 "_zero": zero, "_blocks": w.shape, "_keep": keep},
    )


def _rebuild(t: CompressedTensor) -> torch.Tensor:
    blocks = t.details["_blocks"]
    scale = torch.from_numpy(t.floats["scales"].astype(np.float32)).reshape(blocks[0], blocks[1], 1)
    zero = t.details["_zero"]
    keep = t.details.get("_keep")
    values = torch.from_numpy(t.ints["values"].values.astype(np.float32))
    if keep is None:
        q = values.reshape(blocks)
        return ((q - zero) * scale).reshape(t.shape)
    q = zero.expand(blocks).clone().reshape(-1)
    q[keep.reshape(-1)] = values
    out = (q.reshape(blocks) - zero) * scale
    return out.reshape(t.shape)
