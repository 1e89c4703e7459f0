"""Magnitude pruning: unstructured to a target sparsity, or n:m (n kept in every m inputs).

A pruned tensor stores a 1-bit mask per weight plus its non-zero values in fp16; joint compression
(`compress.joint`) palettizes or quantizes those non-zeros instead.
"""
from __future__ import annotations

import numpy as np
import torch

from compress.bits import CompressedTensor, IntField
from compress.errors import RecipeError


def magnitude_mask(weight: torch.Tensor, sparsity: float, importance: torch.Tensor | None = None) -> torch.Tensor:
    """True for the weights kept: the largest |w| (times sqrt(importance), if given) by count."""
    if not 0.0 <= sparsity < 1.0:
        raise RecipeError("sparsity", f"{sparsity} is not in [0, 1)")
    score = weight.detach().abs().to(torch.float32)
    if importance is not None:
        score = score * importance.to(torch.float32).expand_as(score).sqrt()
    n_prune = int(round(sparsity * score.numel()))
    keep = torch.ones(score.numel(), dtype=torch.bool)
    if n_prune:
        keep[score.reshape(-1).argsort()[:n_prune]] = False
    return keep.reshape(weight.shape)


def n_m_mask(weight: torch.Tensor, n: int, m: int, name: str = "weight") -> torch.Tensor:
    """True for the `n` largest |w| in every run of `m` consecutive inputs."""
    rows, cols = weight.shape
    if not 0 < n < m or cols % m:
        raise RecipeError("n_m", f"{n}:{m} needs 0 < n < m and m dividing the {cols} inputs of {name}")
    score = weight.detach().abs().reshape(rows, cols // m, m)
    top = score.topk(n, dim=2).indices
    keep = torch.zeros_like(score, dtype=torch.bool).scatter_(2, top, True)
    return keep.reshape(rows, cols)


def parse_n_m(text: str) -> tuple[int, int]:
    try:
        n, m = (int(x) for x in str(text).split(":"))
    except ValueError:
        raise RecipeError("n_m", f"'{text}' is not of the form N:M (for example 2:4)") from None
    return n, m


def prune(weight: torch.Tensor, keep: torch.Tensor) -> CompressedTensor:
    """The pruned tensor: a mask and its kept values in fp16."""
    kept = weight.detach().to(torch.float32).reshape(-1)[keep.reshape(-1)]
    return CompressedTensor(
        technique="prune", shape=tuple(weight.shape),
        ints={"mask": IntField(keep.reshape(-1).numpy().astype(np.uint16), 1)},
        floats={"values": kept.numpy().astype(np.float16)},
        rebuild=_rebuild, details={"sparsity": 1.0 - float(keep.float().mean())},
    )


def _rebuild(t: CompressedTensor) -> torch.Tensor:
    keep = torch.from_numpy(t.ints["mask"].values.astype(bool))
    out = torch.zeros(keep.numel())
    out[keep] = torch.from_numpy(t.floats["values"].astype(np.float32))
    return out.reshape(t.shape)
