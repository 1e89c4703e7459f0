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


def assign_bits(options: dict[str, list[Option]], numel: dict[str, int], target_bpw: float,
                fixed_bits: int = 0, fixed_numel: int = 0) -> dict[str, int]:
    """Width per layer so that (fixed + mixed storage) / (fixed + mixed weights) <= target_bpw, with least
    total error. `fixed_*` are the layers outside the mix (overrides, fp16) when the budget is the whole model.
    Raises ValueError when even the narrowest width everywhere does not fit."""
    budget = target_bpw * (sum(numel.values()) + fixed_numel) - fixed_bits
    ladder = {name: sorted(opts, key=lambda o: o.bits) for name, opts in options.items()}
    level = {name: 0 for name in ladder}
    used = sum(ladder[n][0].storage_bits for n in ladder)
    if used > budget:
        floor = (used + fixed_bits) / max(sum(numel.values()) + fixed_numel, 1)
        raise ValueError(f"{target_bpw} bits per weight cannot be reached: the narrowest widths already need "
                         f"{floor:.3f}")
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
