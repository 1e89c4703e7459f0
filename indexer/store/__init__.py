"""The SQLite source of truth: documents, their locations, chunks with embeddings, FTS and failures.

Every file is written in one transaction (``replace_file``), so a crash leaves either the old or
the new state of that file, never a mix. Vector changes are returned as a ``ChangeSet`` so the
FAISS cache can follow without re-reading anything.

The ``Store`` class lives in ``indexer.store.core`` and is composed from one mixin per job:
``reads`` (documents, chunks, meta), ``writes`` (the per-file transaction), ``locations`` (copies,
removals, moves), ``failures`` (failures, skipped files, counts), ``reembed``, ``egress`` and
``people``; the values it passes around are in ``values``. All SQL stays inside this package.
"""
from __future__ import annotations

from indexer.store.core import Store
from indexer.store.values import ChangeSet, FileState, PreparedDocument, StalePreparation, to_utc_iso, utc_now

__all__ = ["ChangeSet", "FileState", "PreparedDocument", "StalePreparation", "Store", "to_utc_iso", "utc_now"]
