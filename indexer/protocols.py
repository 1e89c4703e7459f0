"""The indexer's swappable part as a protocol: ``Embedder`` (texts -> L2-normalised float32 vectors).

The bundled implementation is ``indexer.embeddings.Embedder``; others register through the
``register_embedders`` plugin hook. An embedder may also expose ``identity`` (a dict with ``name``,
``weights_sha`` and ``dimension``) or ``weights_sha``; the index records that identity
(indexer/embedder_identity.py) so vectors from different models are never mixed.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> Any:
        """An (n, dimension) float32 array of L2-normalised vectors."""

    def encode_query(self, text: str) -> Any:
        """One (dimension,) vector."""
