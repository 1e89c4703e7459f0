"""Read queries on documents, chunks and meta: documents by id (with their locations), stored
chunk texts and vectors, the vector generation and dimension, and meta values."""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from indexer.embeddings import text_key
from indexer.store.base import StoreBase


class DocumentReads(StoreBase):
    """Read-only queries (plus ``set_meta``) on ``files``, ``documents``, ``chunks`` and ``meta``."""

    def file_state(self, path: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM files WHERE path = ?", [path]).fetchone()
        if row is None:
            return None
        cols = [c[0] for c in self.db.execute("SELECT * FROM files LIMIT 0").description]
        return dict(zip(cols, row))

    def get_document(self, doc_id: str) -> dict[str, Any] | None:
        rows = self.documents_by_ids([doc_id])
        return rows[0] if rows else None

    def documents_by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = list(self.db.query(f"SELECT * FROM documents WHERE id IN ({marks})", list(ids)))
        for row in rows:
            row["participants"] = json.loads(row["participants"] or "[]")
            row["metadata"] = json.loads(row["metadata"] or "{}")
            row["locations"] = [
                {"path": r[0], "locator": r[1]}
                for r in self.db.execute(
                    "SELECT source_path, locator FROM locations WHERE doc_id = ? ORDER BY seq", [row["id"]]
                )
            ]
        order = {doc_id: i for i, doc_id in enumerate(ids)}
        return sorted(rows, key=lambda r: order.get(r["id"], 0))

    def document_content_hash(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def sample_document_ids(self, kinds: Sequence[str], limit: int, seed: int = 0) -> list[str]:
        """Up to `limit` ids of documents of these kinds that have chunks, in a stable pseudo-random order
        (training data for the on-device adapters)."""
        marks = ",".join("?" * len(kinds))
        rows = self.db.execute(
            f"SELECT id FROM documents WHERE kind IN ({marks}) AND EXISTS (SELECT 1 FROM chunks WHERE doc_id = documents.id)"
            " ORDER BY substr(id, ? % 8 + 1) || id LIMIT ?", [*kinds, int(seed), int(limit)])
        return [r[0] for r in rows]

    def chunk_texts(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT text FROM chunks WHERE doc_id = ? ORDER BY ordinal", [doc_id])]

    def existing_embeddings(self, doc_id: str) -> dict[str, np.ndarray]:
        """Chunk text → stored vector for a document, so unchanged chunks are never re-embedded."""
        return {
            text: np.frombuffer(blob, dtype=np.float32)
            for text, blob in self.db.execute("SELECT text, embedding FROM chunks WHERE doc_id = ?", [doc_id])
        }

    def embeddings_by_text(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors for any of ``texts`` already embedded anywhere in the index."""
        found: dict[str, np.ndarray] = {}
        by_key = {text_key(t): t for t in texts}
        keys = list(by_key)
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            marks = ",".join("?" * len(batch))
            for key, blob in self.db.execute(
                f"SELECT text_hash, embedding FROM chunks WHERE text_hash IN ({marks})", batch
            ):
                found[by_key[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def vector_generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'vector_generation'").fetchone()
        return int(row[0]) if row else 0

    def stored_vector_dimension(self) -> int | None:
        """The dimension of the stored vectors (from any one chunk), or None when there are none."""
        row = self.db.execute("SELECT length(embedding) FROM chunks LIMIT 1").fetchone()
        return int(row[0]) // 4 if row else None

    def chunk_ids(self) -> Iterator[int]:
        """Every chunk id (the vector cache reconciles against them)."""
        for row in self.db.execute("SELECT id FROM chunks"):
            yield row[0]

    def chunk_vectors(self, chunk_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        """(chunk id, embedding bytes) for the given chunks that exist."""
        marks = ",".join("?" * len(chunk_ids))
        return self.db.execute(f"SELECT id, embedding FROM chunks WHERE id IN ({marks})", list(chunk_ids)).fetchall()

    def locators_in_file(self, source_path: str) -> dict[str, str]:
        """Document id -> locator for the documents read from ``source_path``."""
        return dict(self.db.execute("SELECT id, locator FROM documents WHERE source_path = ?", [source_path]))

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str, commit: bool = True) -> None:
        """Set one ``meta`` value; ``commit=False`` inside a caller's ``store.transaction()``."""
        if not commit:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])
            return
        with self.db.conn:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def has_documents(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None
