"""Embedders by name: the bundled all-MiniLM-L6-v2 and any a plugin registers (``register_embedders``).

``make_embedder(name)`` builds a registered one (`kith reembed --model NAME`); a local
sentence-transformers directory is chosen with ``KITH_EMBED_MODEL`` instead.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

BUILTIN_EMBEDDER = "all-MiniLM-L6-v2"


def _bundled() -> Any:
    from indexer.embeddings import Embedder

    return Embedder()


@hookimpl
def register_embedders(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(BUILTIN_EMBEDDER, _bundled)


def available() -> dict[str, Callable[..., Any]]:
    from kith.plugins import factories

    return factories("register_embedders")


def make_embedder(name: str) -> Any:
    """The embedder registered as ``name``."""
    from indexer.errors import EmbeddingError

    found = available()
    if name in found:
        return found[name]()
    raise EmbeddingError(f"no embedder named {name!r} (installed: {', '.join(sorted(found))}; "
                         "see `kith plugins`; a local model directory goes in KITH_EMBED_MODEL)")


def configured_name() -> str | None:
    """An embedder chosen explicitly for this process (``KITH_EMBED_MODEL``), else None."""
    return os.environ.get("KITH_EMBED_MODEL") or None
