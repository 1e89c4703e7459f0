"""Maximal marginal relevance: the selection the composer (answer lines) and summaries (sentences) share."""
from __future__ import annotations

import numpy as np


def mmr_select(vectors: np.ndarray, relevance: np.ndarray, k: int, lam: float = 0.7,
               min_score: float | None = None) -> list[int]:
    """Maximal marginal relevance: indices of up to ``k`` items, relevant and not redundant."""
    candidates = [i for i in range(len(relevance)) if min_score is None or relevance[i] >= min_score]
    picked: list[int] = []
    while candidates and len(picked) < k:
        if picked:
            redundancy = (vectors[candidates] @ vectors[picked].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        values = lam * relevance[candidates] - (1 - lam) * redundancy
        best = candidates[int(np.argmax(values))]
        picked.append(best)
        candidates.remove(best)
    return picked
