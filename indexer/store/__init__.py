"""The SQLite source of truth: documents, their locations, chunks with embeddings, FTS and failures.

Every file is written in one transaction (``replace_file``), so a crash leaves either the old or
the new state of that file, never a mix. Vector changes are returned as a ``ChangeSet`` so the
FAISS cache can follow without re-reading anything.

The ``Store`` class lives in ``indexer.store.core`` and is composed from one mixin per job:
``reads`` (documents, chunks, meta), ``writes`` (the per-file transaction), ``locations`` (copies,
removals, moves), ``failures`` (failures, skipped files, counts), ``reembed``, ``egress`` and
``people``; the values it passes around are in ``values``. All SQL against kith.db stays inside this package
(tests/test_store_owns_sql.py checks it); ``peek`` is the CLI's light read-only look.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.store.core import Store
    from indexer.store.values import ChangeSet, FileState, PreparedDocument, StalePreparation, to_utc_iso, utc_now

__all__ = ["ChangeSet", "FileState", "PreparedDocument", "StalePreparation", "Store", "to_utc_iso", "utc_now"]


def __getattr__(name: str) -> Any:
    """Load ``Store`` and the values on first use, so ``indexer.store.peek`` stays light to import."""
    if name == "Store":
        from indexer.store.core import Store

        return Store
    if name in __all__:
        from indexer.store import values

        return getattr(values, name)
    raise AttributeError(f"module 'indexer.store' has no attribute {name!r}")
