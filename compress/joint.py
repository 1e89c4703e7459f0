"""Joint compression: prune first, then palettize or quantize only the surviving weights.

Storage is the 1-bit mask plus the non-zeros at the palette/quantized width plus their tables or
scales, so 40% sparsity with 4-bit palettes lands near 0.6*4 + 1 bits per weight.
"""
from __future__ import annotations

import torch

from compress.bits import CompressedTensor, IntField
from compress.linear_quant import quantize_linear
from compress.palettize import palettize


def prune_then(weight: torch.Tensor, keep: torch.Tensor, second: str, **options: object) -> CompressedTensor:
    """`second` is 'palettize' or 'linear'; `options` are that technique's keyword arguments."""
    if second == "palettize":
        inner = palettize(weight, keep=keep, **options)  # type: ignore[arg-type]
    else:
        inner = quantize_linear(weight, keep=keep, **options)  # type: ignore[arg-type]
    inner.ints["mask"] = IntField(keep.reshape(-1).numpy().astype("uint16"), 1)
    inner.technique = f"prune+{second}"
    inner.details["sparsity"] = 1.0 - float(keep.float().mean())
    return inner
