"""Weighted one-dimensional k-means, batched over groups (the palettizer's clustering step)."""
from __future__ import annotations

import torch


def _weighted_quantiles(values: torch.Tensor, weights: torch.Tensor, k: int) -> torch.Tensor:
    order = values.argsort(dim=1)
    v = values.gather(1, order)
    w = weights.gather(1, order)
    cum = w.cumsum(dim=1)
    total = cum[:, -1:].clamp_min(1e-30)
    targets = (torch.arange(k, dtype=values.dtype) + 0.5) / k * total
    pos = torch.searchsorted(cum.contiguous(), targets.contiguous()).clamp_max(values.shape[1] - 1)
    return v.gather(1, pos)


def assign(values: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """Index of the nearest centroid for every value; `centroids` must be sorted along dim 1."""
    mids = (centroids[:, 1:] + centroids[:, :-1]) / 2
    return torch.searchsorted(mids.contiguous(), values.contiguous())


def weighted_kmeans(values: torch.Tensor, k: int, weights: torch.Tensor | None = None,
                    iterations: int = 25) -> tuple[torch.Tensor, torch.Tensor]:
    """Clusters each row of `values` [groups, n] into `k` sorted centroids; returns (centroids, indices).

    `weights` (same shape, >= 0) makes the squared error of important values count more: this is
    sensitive k-means when they come from calibration data, plain k-means when they are all ones.
    """
    values = values.to(torch.float32)
    weights = torch.ones_like(values) if weights is None else weights.to(torch.float32).clamp_min(0)
    weights = torch.where(weights.sum(dim=1, keepdim=True) > 0, weights, torch.ones_like(weights))
    centroids = _weighted_quantiles(values, weights, k).sort(dim=1).values
    for _ in range(iterations):
        idx = assign(values, centroids)
        sums = torch.zeros_like(centroids).scatter_add_(1, idx, values * weights)
        mass = torch.zeros_like(centroids).scatter_add_(1, idx, weights)
        updated = torch.where(mass > 0, sums / mass.clamp_min(1e-30), centroids).sort(dim=1).values
        moved = (updated - centroids).abs().max()
        centroids = updated
        if moved <= 1e-7 * (values.abs().max() + 1e-12):
            break
    return centroids, assign(values, centroids)
