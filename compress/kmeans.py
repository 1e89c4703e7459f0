"""Weighted one-dimensional k-means, batched over groups (the palettizer's clustering step).

Unweighted (data-free) groups of up to 4 bits are clustered exactly when `kmeans1d` is installed (MIT;
Grønlund et al.'s O(k·n) optimal 1-D k-means, the clustering coremltools' palettizer uses); weighted groups
(sensitive k-means), wider tables and installs without it take Lloyd's steps from several starts.
"""
from __future__ import annotations

import torch

try:  # a kith dependency; the fallback keeps a source checkout without it working
    import kmeans1d as _kmeans1d
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _kmeans1d = None


MAX_DP_CLUSTERS = 16  # 1 to 4 bits: the dynamic-programming start costs O(k * bins^2) per group
EXACT_MAX_VALUES = 1 << 16  # kmeans1d is O(k * n) per group, and its ctypes call copies the group value by value


def assign(values: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """Index of the nearest centroid for every value; `centroids` must be sorted along dim 1."""
    mids = (centroids[:, 1:] + centroids[:, :-1]) / 2
    return torch.searchsorted(mids.contiguous(), values.contiguous())


class _SortedGroups:
    """Each group's values sorted once, with prefix sums of w, w*v and w*v*v (float64).

    In one dimension a cluster is a contiguous run of the sorted values, so one Lloyd step costs
    O(k log n) per group (binary searches and prefix-sum differences) instead of O(n).
    """

    def __init__(self, values: torch.Tensor, weights: torch.Tensor) -> None:
        order = values.argsort(dim=1)
        self.v = values.gather(1, order).contiguous()
        w = weights.gather(1, order).to(torch.float64)
        v64 = self.v.to(torch.float64)
        zero = torch.zeros(values.shape[0], 1, dtype=torch.float64)
        self.cw = torch.cat([zero, w.cumsum(1)], 1)
        self.cwv = torch.cat([zero, (w * v64).cumsum(1)], 1)
        self.cwvv = torch.cat([zero, (w * v64 * v64).cumsum(1)], 1)

    def quantiles(self, k: int) -> torch.Tensor:
        """The values at the k weighted quantiles (i + 0.5) / k of each group: the plain k-means start."""
        cum = self.cw[:, 1:]
        targets = (torch.arange(k, dtype=cum.dtype) + 0.5) / k * cum[:, -1:].clamp_min(1e-30)
        pos = torch.searchsorted(cum.contiguous(), targets.contiguous()).clamp_max(self.v.shape[1] - 1)
        return self.v.gather(1, pos)

    def with_extremes(self, k: int) -> torch.Tensor:
        """Quantile centroids for all but two clusters, plus each group's minimum and maximum."""
        return torch.cat([self.v[:, :1], self.quantiles(k - 2), self.v[:, -1:]], dim=1)

    def runs(self, centroids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Start and end (exclusive) of each centroid's run; ties go to the lower centroid, as in `assign`."""
        mids = ((centroids[:, 1:] + centroids[:, :-1]) / 2).contiguous()
        ends = torch.searchsorted(self.v, mids, right=True)
        n = torch.full((self.v.shape[0], 1), self.v.shape[1], dtype=ends.dtype)
        starts = torch.cat([torch.zeros_like(n), ends], 1)
        return starts, torch.cat([ends, n], 1)

    def moments(self, centroids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        starts, ends = self.runs(centroids)

        def total(prefix: torch.Tensor) -> torch.Tensor:
            return prefix.gather(1, ends) - prefix.gather(1, starts)

        return total(self.cw), total(self.cwv), total(self.cwvv)

    def lloyd(self, centroids: torch.Tensor, iterations: int) -> torch.Tensor:
        centroids = centroids.sort(dim=1).values
        scale = float(self.v.abs().max()) + 1e-12
        for _ in range(iterations):
            mass, sums, _ = self.moments(centroids)
            updated = torch.where(mass > 0, sums / mass.clamp_min(1e-300), centroids.to(torch.float64))
            updated = updated.to(torch.float32).sort(dim=1).values
            moved = float((updated - centroids).abs().max())
            centroids = updated
            if moved <= 1e-7 * scale:
                break
        return centroids

    def cost(self, centroids: torch.Tensor) -> torch.Tensor:
        """Weighted squared error of each group under its (sorted) centroids."""
        mass, sums, squares = self.moments(centroids)
        c = centroids.to(torch.float64)
        return (squares - 2 * c * sums + c * c * mass).sum(dim=1)


def _bin_edges(n: int, bins: int, tails: int) -> torch.Tensor:
    """Boundaries (in sorted order) of `bins` runs of about equal count, with the `tails` smallest and largest
    values in bins of their own, so a lone outlier can still be a cluster by itself."""
    if n <= bins:
        return torch.arange(n + 1)
    tails = min(tails, n // 4)
    inner = torch.linspace(tails, n - tails, bins - 2 * tails + 1).round().long()
    return torch.unique(torch.cat([torch.arange(0, tails), inner, torch.arange(n - tails + 1, n + 1)]))


def _binned_optimum(groups: _SortedGroups, k: int, bins: int = 256, tails: int = 16, chunk: int = 64) -> torch.Tensor:
    """Centroids of the optimal k-clustering of each group's values grouped into runs (dynamic programming over
    run boundaries, as Ckmeans.1d.dp / kmeans1d do over single values): a near-optimal start for Lloyd's steps.
    Exact when a group has at most `bins` values."""
    edges = _bin_edges(groups.v.shape[1], bins, tails)
    w, s, q = (prefix[:, edges] for prefix in (groups.cw, groups.cwv, groups.cwvv))
    centroids = []
    for start in range(0, w.shape[0], chunk):
        cw, cs, cq = w[start:start + chunk], s[start:start + chunk], q[start:start + chunk]
        mass = cw[:, None, :] - cw[:, :, None]  # [g, m, i]: one cluster over runs m .. i-1
        sums = cs[:, None, :] - cs[:, :, None]
        cost = cq[:, None, :] - cq[:, :, None] - sums * sums / mass.clamp_min(1e-300)
        upper = torch.ones(cost.shape[1:], dtype=torch.bool).triu(1)
        cost = torch.where(upper & (mass > 0), cost.clamp_min(0), torch.full_like(cost, float("inf")))
        best, back = cost[:, 0, :], []
        for _ in range(k - 1):
            best, arg = (best[:, :, None] + cost).min(dim=1)
            back.append(arg)
        runs = cost.shape[1] - 1
        end = torch.full((cost.shape[0],), runs, dtype=torch.long)
        bounds = [end]
        for arg in reversed(back):
            end = arg.gather(1, end[:, None]).squeeze(1)
            bounds.append(end)
        bounds.append(torch.zeros_like(end))
        cut = torch.stack(bounds[::-1], dim=1)  # [g, k + 1] run boundaries, increasing
        total_w = cw.gather(1, cut[:, 1:]) - cw.gather(1, cut[:, :-1])
        total_s = cs.gather(1, cut[:, 1:]) - cs.gather(1, cut[:, :-1])
        centroids.append(torch.where(total_w > 0, total_s / total_w.clamp_min(1e-300), torch.zeros_like(total_s)))
    return torch.cat(centroids).to(torch.float32)


def exact_optimum(values: torch.Tensor, k: int) -> torch.Tensor | None:
    """Sorted centroids of the optimal unweighted k-clustering of each row (None without `kmeans1d`)."""
    if _kmeans1d is None:
        return None
    rows = values.to(torch.float64).numpy()
    return torch.tensor([_kmeans1d.cluster(row, k)[1] for row in rows], dtype=torch.float32).sort(dim=1).values


def weighted_kmeans(values: torch.Tensor, k: int, weights: torch.Tensor | None = None,
                    iterations: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Clusters each row of `values` [groups, n] into `k` sorted centroids; returns (centroids, indices).

    `weights` (same shape, >= 0) makes the squared error of important values count more: this is
    sensitive k-means when they come from calibration data, plain k-means when they are all ones.

    Without weights (or with equal ones), up to 4 bits, for groups of up to 65,536 values and with `kmeans1d`
    installed, each group gets its exact optimum.
    Otherwise Lloyd's iterations run from up to three starts and each group keeps the one with the lower weighted error:
    weighted quantiles (good for the bulk), quantiles plus the group's extremes, and (up to 4 bits) the optimal
    clustering of runs of the sorted values (`_binned_optimum`). From quantiles alone a lone outlier weight (the
    "super weights" of LLMs, 30 standard deviations out in SmolLM2's MLPs) never gets a centroid of its own and
    is pulled to the bulk, which ruins the model (perplexity 22 -> 13,963).
    """
    values = values.to(torch.float32)
    weights = torch.ones_like(values) if weights is None else weights.to(torch.float32).clamp_min(0)
    weights = torch.where(weights.sum(dim=1, keepdim=True) > 0, weights, torch.ones_like(weights))
    uniform = bool((weights == weights[:, :1]).all())
    small = k <= MAX_DP_CLUSTERS and k < values.shape[1] <= EXACT_MAX_VALUES
    exact = exact_optimum(values, k) if uniform and small else None
    if exact is not None:  # the optimum; Lloyd's steps from it only confirm it
        return exact, assign(values, exact)
    groups = _SortedGroups(values, weights)
    starts = [groups.quantiles(k)]
    if k >= 4 and values.shape[1] > k:
        starts.append(groups.with_extremes(k))
    if k <= MAX_DP_CLUSTERS and values.shape[1] > k:
        starts.append(_binned_optimum(groups, k))
    centroids, cost = None, None
    for start in starts:
        candidate = groups.lloyd(start, iterations)
        candidate_cost = groups.cost(candidate)
        if centroids is None:
            centroids, cost = candidate, candidate_cost
        else:
            better = candidate_cost < cost
            centroids = torch.where(better.unsqueeze(1), candidate, centroids)
            cost = torch.where(better, candidate_cost, cost)
    return centroids, assign(values, centroids)
