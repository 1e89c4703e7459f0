"""The values the store passes in and out: UTC timestamps, prepared documents, file stat, the
``ChangeSet`` a write returns, and the ``StalePreparation`` signal."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from indexer.document import Document


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def to_utc_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass
class PreparedDocument:
    """A document ready to store: its chunks and their embeddings computed outside the transaction."""

    document: Document
    chunks: list[str]
    embeddings: np.ndarray


@dataclass
class ChangeSet:
    """What a write did to the vectors, for the FAISS cache to follow."""

    added_ids: list[int] = field(default_factory=list)
    added_vectors: list[np.ndarray] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)
    docs_added: int = 0
    docs_updated: int = 0
    docs_unchanged: int = 0
    docs_removed: int = 0
    stale_paths: list[str] = field(default_factory=list)  # files to re-read: a copy became primary

    def merge(self, other: "ChangeSet") -> None:
        self.added_ids += other.added_ids
        self.added_vectors += other.added_vectors
        self.removed_ids += other.removed_ids
        self.docs_added += other.docs_added
        self.docs_updated += other.docs_updated
        self.docs_unchanged += other.docs_unchanged
        self.docs_removed += other.docs_removed
        self.stale_paths += other.stale_paths


class StalePreparation(Exception):
    """A document was prepared as "unchanged" (no chunks) but the stored copy changed or vanished
    before the commit; the caller prepares it again. The transaction is rolled back."""


@dataclass
class FileState:
    path: str
    mtime: float
    size: int
    sha256: str | None = None
