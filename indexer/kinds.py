"""The registry of document kinds: the built-ins plus any a plugin adds through ``register_kinds``.

``known()`` is what a Document's kind is checked against; ``kind_words()`` gives the question words
for each kind (regular-expression alternatives) that the agent's slot filler matches.
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_cache: tuple[int, dict[str, list[str]]] | None = None


def _registry() -> dict[str, list[str]]:
    global _cache
    from kith.plugins import _state, collect

    generation = _state.generation
    if _cache is not None and _cache[0] == generation and _state.defaults_loaded:
        return _cache[1]
    kinds: dict[str, list[str]] = {}
    for _, args, kwargs in collect("register_kinds"):
        name = str(args[0])
        words = list(kwargs.get("words", args[1] if len(args) > 1 else ()))
        kinds.setdefault(name, [])
        kinds[name] += [w for w in words if w not in kinds[name]]
    with _lock:
        _cache = (_state.generation, kinds)
    return kinds


def known() -> tuple[str, ...]:
    """Every registered kind, built-ins first."""
    return tuple(_registry())


def kind_words() -> dict[str, str]:
    """kind -> one regular expression of its words (kinds without words are left out)."""
    return {kind: "|".join(words) for kind, words in _registry().items() if words}


def check(kind: str) -> None:
    """Raise ValueError for a kind nobody registered."""
    if kind not in _registry():
        raise ValueError(f"unknown document kind {kind!r}; expected one of {known()}")
