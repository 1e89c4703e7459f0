"""Prefix reuse between greedy requests: keep an ``og.Generator`` with its KV state and rewind it.

The planner's and the answerer's prompts start with the same instructions on every request. Instead of
prefilling them again, a cached generator is rewound (``Generator.rewind_to``) to the longest token prefix
it shares with the new prompt, and only the rest is appended. This is automatic prefix caching in the
spirit of vLLM's: nothing is marked by the caller; a request reuses whatever leading tokens match.

A generator's search options (greedy or sampled, ``max_length``) and its guidance grammar are fixed when it
is created, so the cache key holds the adapter, the constraint and the window; only greedy requests are
cached (a sampled one would continue the previous request's random state). ``rewind_to`` also resets the
guidance state, so a constrained request starts its grammar afresh. With onnxruntime-genai's shared KV
buffer each entry holds ``window`` positions of KV state (SmolLM2-135M: 30 layers x 3 KV heads x 64 x 2
x 4 bytes = 46 KB per position, 94 MB for 2,048), so the cache is small (two entries by default).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def common_prefix(a: list[int], b: list[int]) -> int:
    """Length of the longest common prefix of two token lists."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    left, right = np.asarray(a[:n]), np.asarray(b[:n])
    differ = np.flatnonzero(left != right)
    return int(differ[0]) if differ.size else n


@dataclass
class CachedGenerator:
    """A generator and the tokens whose state it holds."""

    generator: Any
    tokens: list[int] = field(default_factory=list)


class PrefixCache:
    """An LRU of ``capacity`` generators keyed by what fixes their options (adapter, constraint, window)."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = max(0, int(capacity))
        self._entries: OrderedDict[Hashable, CachedGenerator] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def take(self, key: Hashable, prompt: list[int], create: Callable[[], Any]) -> tuple[CachedGenerator, int]:
        """A generator holding ``prompt``'s state, and how many leading tokens were reused (not prefilled).

        The entry leaves the cache while in use; `give_back` returns it. At least one token is always
        prefilled: the last token's logits are what the first generated token is picked from.
        """
        entry = self._entries.pop(key, None)
        if entry is None:
            entry = CachedGenerator(create())
        reused = min(common_prefix(entry.tokens, prompt), len(prompt) - 1, max(len(entry.tokens) - 1, 0))
        if entry.tokens:
            entry.generator.rewind_to(reused)
        entry.generator.append_tokens(np.asarray(prompt[reused:], dtype=np.int32))
        entry.tokens = list(prompt)
        return entry, reused

    def give_back(self, key: Hashable, entry: CachedGenerator) -> None:
        """Keep ``entry`` (after a request that finished cleanly) as the most recent one."""
        if self.capacity == 0:
            return
        entry.tokens = [int(t) for t in np.asarray(entry.generator.get_sequence(0))]
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
