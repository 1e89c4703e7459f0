"""Re-embed every chunk of an index with another embedder, crash-safe and resumable.

New vectors are staged in ``reembed_chunks`` in batches, each batch its own transaction, while
the index keeps its old vectors and its old recorded embedder (a kill -9 at any point leaves it
fully usable, and a rerun continues from the staged batches). Only when every chunk is staged are
the vectors swapped in and the new identity recorded, in one transaction. The FAISS cache then
follows by chunk id (the swapped chunks get new ids) on its next open.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexer.embedder_identity import EmbedderIdentity, identity_of, recorded

BATCH = 256


@dataclass
class ReembedReport:
    chunks: int
    embedded: int
    resumed: int
    before: EmbedderIdentity | None
    after: EmbedderIdentity

    def to_json(self) -> dict[str, Any]:
        return {"chunks": self.chunks, "embedded": self.embedded, "resumed_from": self.resumed,
                "before": self.before.to_json() if self.before else None, "after": self.after.to_json()}


def reembed(store: Any, embedder: Any, progress: Callable[[int], None] | None = None,
            batch: int = BATCH) -> ReembedReport:
    """Re-embed every chunk in ``store`` with ``embedder``; ``progress(n)`` after each staged batch."""
    target = identity_of(embedder)
    target_json = json.dumps(target.to_json())
    before = recorded(store)
    resumed = store.reembed_start(target_json)
    embedded = 0
    while True:
        while rows := store.reembed_pending(batch):
            vectors = embedder.encode([text for _, text in rows])
            store.reembed_stage([(cid, vector) for (cid, _), vector in zip(rows, vectors)])
            embedded += len(rows)
            if progress:
                progress(len(rows))
        if store.reembed_finish(target_json) == 0:  # chunks written meanwhile are staged first
            break
    return ReembedReport(store.chunk_count(), embedded, resumed, before, target)
