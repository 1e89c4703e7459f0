"""Mixed bits to a budget: choose 2/3/4/8 bits per layer from measured sensitivity.

Each layer is compressed at every candidate width; its error is the sensitivity-weighted squared
reconstruction error. Starting from the narrowest width everywhere, the layer upgrade with the
largest error reduction per extra bit is taken while the budget allows (a greedy knapsack),
then any remaining upgrade that still fits. Overheads (tables, scales) count toward the budget.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    """One layer compressed at one width: exact storage bits and weighted error."""

    bits: int
    storage_bits: int
    error: float


def assign_bits(options: dict[str, list[Option]], numel: dict[str, int], target_bpw: float) -> dict[str, int]:
    """Width per layer so that total storage / total weights <= target_bpw, with least total error."""
    budget = target_bpw * sum(numel.values())
    ladder = {name: sorted(opts, key=lambda o: o.bits) for name, opts in options.items()}
    level = {name: 0 for name in ladder}
    used = sum(ladder[n][0].storage_bits for n in ladder)
    if used > budget:
        return {n: ladder[n][0].bits for n in ladder}
    while True:
        best: tuple[float, str] | None = None
        for name, opts in ladder.items():
            if level[name] + 1 >= len(opts):
                continue
            now, nxt = opts[level[name]], opts[level[name] + 1]
            extra = nxt.storage_bits - now.storage_bits
            if used + extra > budget:
                continue
            gain = (now.error - nxt.error) / max(extra, 1)
            if best is None or gain > best[0]:
                best = (gain, name)
        if best is None:
            break
        name = best[1]
        used += ladder[name][level[name] + 1].storage_bits - ladder[name][level[name]].storage_bits
        level[name] += 1
    return {n: ladder[n][level[n]].bits for n in ladder}
