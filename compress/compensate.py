"""OPTQ (GPTQ) error compensation for palettized and linearly quantized weights.

A layer's output error for a weight change D is tr(D H D^T), with H = E[x x^T] over its calibration
inputs. OPTQ (Frantar et al., 2022) rounds one input column at a time and moves the rounding error onto
the columns not rounded yet, through the Cholesky factor of H^-1, so later columns absorb it. The grid
stays the one the technique chose from the original weights (a lookup table per group of output channels,
or a scale and zero point per block), so storage and bits per weight do not change; only the codes do.
Pruned weights (a joint recipe's mask) are forced to zero and their error is compensated too, as in
SparseGPT.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from compress.bits import CompressedTensor, IntField
from compress.errors import CompressionError

# nearest(column values [rows], column index) -> (grid values [rows], codes [rows])
Nearest = Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]
DAMPING = 0.01  # of the mean diagonal, added to H before inverting (the OPTQ paper's default)
BLOCK = 128  # columns updated together before the lazy update of the rest


def output_error(weight: torch.Tensor, approx: torch.Tensor, hessian: torch.Tensor) -> tuple[float, float]:
    """(tr(D H D^T), the same relative to tr(W H W^T)): the layer's mean squared output error."""
    w = weight.detach().to(torch.float32)
    d = w - approx.to(torch.float32)
    err = float(((d @ hessian) * d).sum())
    return err, err / max(float(((w @ hessian) * w).sum()), 1e-30)


def _palette_grid(tensor: CompressedTensor) -> Nearest:
    lut = torch.from_numpy(tensor.floats["lut"].astype(np.float32))
    rows = tensor.shape[0]
    lut_rows = lut.repeat_interleave(rows // lut.shape[0], dim=0)  # [rows, k], sorted along dim 1
    mids = ((lut_rows[:, 1:] + lut_rows[:, :-1]) / 2).contiguous()

    def nearest(column: torch.Tensor, _col: int) -> tuple[torch.Tensor, torch.Tensor]:
        codes = torch.searchsorted(mids, column.reshape(-1, 1).contiguous()).reshape(-1)
        return lut_rows.gather(1, codes.reshape(-1, 1)).reshape(-1), codes

    return nearest


def _linear_grid(tensor: CompressedTensor) -> Nearest:
    rows, blocks, size = tensor.details["_blocks"]
    scale = torch.from_numpy(tensor.floats["scales"].astype(np.float32)).reshape(rows, blocks)
    zero = tensor.details["_zero"].reshape(rows, blocks).to(torch.float32)
    top = float((1 << tensor.details["bits"]) - 1)

    def nearest(column: torch.Tensor, col: int) -> tuple[torch.Tensor, torch.Tensor]:
        s, z = scale[:, col // size], zero[:, col // size]
        codes = torch.clamp(torch.round(column / s) + z, 0, top)
        return (codes - z) * s, codes.to(torch.int64)

    return nearest


def _inverse_factor(hessian: torch.Tensor) -> torch.Tensor:
    """The upper Cholesky factor of H^-1, damping H more until it factors."""
    h = hessian.to(torch.float64).clone()
    diag = torch.diagonal(h)
    diag[diag <= 0] = 1.0  # inputs that are always zero: any value is exact there
    mean = float(diag.mean())
    for damping in (DAMPING, 0.1, 1.0):
        try:
            lower = torch.linalg.cholesky(h + damping * mean * torch.eye(h.shape[0], dtype=h.dtype))
            return torch.linalg.cholesky(torch.cholesky_inverse(lower), upper=True).to(torch.float32)
        except RuntimeError:  # torch.linalg.LinAlgError: not positive definite at this damping
            continue
    raise CompressionError("the calibration Hessian is not positive definite even with damping 1.0")


def optq_codes(weight: torch.Tensor, hessian: torch.Tensor, nearest: Nearest,
               keep: torch.Tensor | None = None) -> torch.Tensor:
    """Codes [rows, cols] for `weight` on `nearest`'s grid, each column's error moved onto the later ones."""
    w = weight.detach().to(torch.float32).clone()
    rows, cols = w.shape
    if hessian.shape != (cols, cols):
        raise CompressionError(f"Hessian of shape {tuple(hessian.shape)} does not match {cols} input columns")
    u = _inverse_factor(hessian)
    codes = torch.zeros(rows, cols, dtype=torch.int64)
    for start in range(0, cols, BLOCK):
        end = min(start + BLOCK, cols)
        block = w[:, start:end].clone()
        errors = torch.zeros_like(block)
        for i in range(end - start):
            column = block[:, i]
            values, column_codes = nearest(column, start + i)
            if keep is not None:
                values = torch.where(keep[:, start + i], values, torch.zeros_like(values))
            codes[:, start + i] = column_codes
            error = (column - values) / u[start + i, start + i]
            block[:, i:] -= error.reshape(-1, 1) * u[start + i, start + i:end].reshape(1, -1)
            errors[:, i] = error
        w[:, end:] -= errors @ u[start:end, end:]
    return codes


def compensate(tensor: CompressedTensor, weight: torch.Tensor, hessian: torch.Tensor) -> CompressedTensor:
    """`tensor` (palettized or linear, possibly pruned first) with its codes re-chosen by OPTQ."""
    base = tensor.technique.split("+")[-1]
    if base == "palettize":
        nearest, field = _palette_grid(tensor), "indices"
    elif base == "linear":
        nearest, field = _linear_grid(tensor), "values"
    else:
        raise CompressionError(f"error compensation applies to palettize and linear, not {tensor.technique}")
    keep = tensor.details.get("_keep")
    codes = optq_codes(weight, hessian, nearest, keep).reshape(-1)
    if keep is not None:
        codes = codes[keep.reshape(-1)]
    tensor.ints[field] = IntField(codes.numpy().astype(np.uint16), tensor.ints[field].nbits)
    tensor.details["compensated"] = True
    return tensor
