"""Preparing documents for the store outside its transaction: chunk them and embed the chunks,
reusing any vector already stored for the same text (and skipping unchanged documents and copies)."""
from __future__ import annotations

import numpy as np

from indexer.chunking import chunk_text
from indexer.document import Document
from indexer.embeddings import CachingEncoder
from indexer.store import PreparedDocument, Store


def prepare_documents(store: Store, embedder: CachingEncoder,
                      documents: list[Document]) -> list[PreparedDocument | None]:
    """Chunk and embed, reusing stored vectors for chunks whose text has not changed.

    The result is aligned with ``documents``. A document already stored with the same
    content, or a copy of a document defined by another file, needs no chunks (the store only
    records its location); a duplicate within the batch is kept as a second location, or
    dropped (None) if it differs from an earlier copy in the same file.
    """
    first_hash: dict[str, tuple[str, str]] = {}
    plans: list[tuple[Document, list[str], dict[str, np.ndarray]] | None] = []
    to_embed: list[str] = []
    for doc in documents:
        digest = doc.content_hash()
        if doc.stable_id in first_hash:
            # A second copy in this batch: stored as a location of the first. A differing copy
            # inside the same file is dropped (the file's first one defines the document).
            first_digest, first_path = first_hash[doc.stable_id]
            dropped = first_path == doc.source_path and first_digest != digest
            plans.append(None if dropped else (doc, [], {}))
            continue
        first_hash[doc.stable_id] = (digest, doc.source_path)
        known = store.document_content_hash(doc.stable_id)
        if known == digest or (known and store.primary_copy_elsewhere(doc.stable_id, doc.source_path)):
            # Unchanged, or a copy whose content the store keeps on its location only.
            plans.append((doc, [], {}))
            continue
        chunks = chunk_text(doc.text_for_embedding) or [doc.title or doc.kind]
        cached = store.existing_embeddings(doc.stable_id) if known else {}
        to_embed += [c for c in chunks if c not in cached]
        plans.append((doc, chunks, cached))
    # Text already embedded anywhere (a forwarded mail, the same newsletter) is reused, not re-run.
    vectors = store.embeddings_by_text(to_embed) if to_embed else {}
    missing = [text for text in dict.fromkeys(to_embed) if text not in vectors]
    if missing:
        vectors.update(zip(missing, embedder.encode(missing)))
    return [
        None if plan is None else PreparedDocument(
            plan[0], plan[1],
            np.vstack([plan[2].get(c, vectors.get(c)) for c in plan[1]]) if plan[1]
            else np.zeros((0, 0), np.float32))
        for plan in plans
    ]
