"""Palettization: every weight becomes an index into a small fp16 lookup table (k-means centroids).

Granularity is one table per tensor, or one per group of `group_size` output channels (Apple's
on-device model uses 4 bits with a table per 16 channels). With `importance` (calibration data:
activation statistics or the diagonal Fisher) the clustering is sensitivity-weighted.
"""
from __future__ import annotations

import numpy as np
import torch

from compress.bits import CompressedTensor, IntField
from compress.errors import RecipeError
from compress.kmeans import assign, weighted_kmeans


def group_rows(weight: torch.Tensor, granularity: str, group_size: int | None, name: str) -> int:
    """Number of rows (output channels) that share one table."""
    rows = weight.shape[0]
    if granularity == "per_tensor":
        return rows
    if granularity != "per_grouped_channel":
        raise RecipeError("granularity", f"'{granularity}' is not per_tensor or per_grouped_channel")
    if not group_size or rows % group_size:
        raise RecipeError("group_size", f"{group_size} does not divide the {rows} output channels of {name}")
    return group_size


def palettize(weight: torch.Tensor, bits: int, *, granularity: str = "per_tensor", group_size: int | None = None,
              importance: torch.Tensor | None = None, name: str = "weight",
              keep: torch.Tensor | None = None) -> CompressedTensor:
    """Palettizes a 2-D weight. `keep` (a bool mask) restricts the table and indices to the kept values."""
    w = weight.detach().to(torch.float32)
    rows_per_group = group_rows(w, granularity, group_size, name)
    groups = w.shape[0] // rows_per_group
    values = w.reshape(groups, -1)
    weights = None if importance is None else importance.to(torch.float32).expand_as(w).reshape(groups, -1)
    if keep is not None:
        mask = keep.reshape(groups, -1).to(torch.float32)
        weights = mask if weights is None else weights * mask
    k = 1 << bits
    centroids, _ = weighted_kmeans(values, k, weights)
    lut = centroids.to(torch.float16).to(torch.float32).sort(dim=1).values
    idx = assign(values, lut)
    index_values = idx.reshape(-1) if keep is None else idx.reshape(-1)[keep.reshape(-1)]
    return CompressedTensor(
        technique="palettize", shape=tuple(w.shape),
        ints={"indices": IntField(index_values.numpy().astype(np.uint16), bits)},
        floats={"lut": lut.numpy().astype(np.float16)},
        rebuild=_rebuild, details={"bits": bits, "groups": groups, "granularity": granularity,
                                   "group_size": group_size, "_keep": keep},
    )


def _rebuild(t: CompressedTensor) -> torch.Tensor:
    lut = torch.from_numpy(t.floats["lut"].astype(np.float32))
    groups = lut.shape[0]
    idx = torch.from_numpy(t.ints["indices"].values.astype(np.int64))
    keep = t.details.get("_keep")
    if keep is None:
        return lut.gather(1, idx.reshape(groups, -1)).reshape(t.shape)
    flat_keep = keep.reshape(-1)
    group_of = torch.arange(flat_keep.numel()) // (flat_keep.numel() // groups)
    out = torch.zeros(flat_keep.numel())
    out[flat_keep] = lut[group_of[flat_keep], idx]
    return out.reshape(t.shape)
