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


def _bundled(home: Any = None, threads: int | None = None) -> Any:
    """all-MiniLM-L6-v2 in fp32: the home's ONNX export when there is one, else torch (which exports)."""
    if home is None:
        from indexer.embeddings import Embedder

        return Embedder(threads=threads)
    from indexer.embedder_choice import default_embedder

    return default_embedder(home, engine="onnx", threads=threads)


def _int8mix(home: Any = None, threads: int | None = None) -> Any:
    """The quantized engine (indexer/embed_quant.py), built in the home on first use."""
    from indexer.embed_quant import QUANTIZED_ENGINES, quantized_embedder
    from indexer.home import KithHome

    path = getattr(home, "path", home) or KithHome.resolve(None).path
    return quantized_embedder(path, QUANTIZED_ENGINES[0], threads=threads)


@hookimpl
def register_embedders(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    from indexer.embed_quant import QUANTIZED_ENGINES

    register(BUILTIN_EMBEDDER, _bundled)
    register(QUANTIZED_ENGINES[0], _int8mix)


def available() -> dict[str, Callable[..., Any]]:
    from kith.plugins import factories

    return factories("register_embedders")


def make_embedder(name: str, **context: Any) -> Any:
    """The embedder registered as ``name``. ``context`` (``home``, ``threads``) goes to factories
    that take those keywords; a plugin's factory without them is called with none."""
    import inspect

    from indexer.errors import EmbeddingError

    found = available()
    if name in found:
        factory = found[name]
        try:
            accepted = inspect.signature(factory).parameters
        except (TypeError, ValueError):
            accepted = {}
        return factory(**{k: v for k, v in context.items() if k in accepted})
    raise EmbeddingError(f"no embedder named {name!r} (installed: {', '.join(sorted(found))}; "
                         "see `kith plugins`; a local model directory goes in KITH_EMBED_MODEL)")


def configured_name() -> str | None:
    """An embedder chosen explicitly for this process (``KITH_EMBED_MODEL``), else None."""
    return os.environ.get("KITH_EMBED_MODEL") or None
