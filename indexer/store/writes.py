"""Writing one file's documents: the per-file transaction (``replace_file``) that upserts documents,
their locations, identities and chunks with embeddings, and the file's ``files`` row."""
from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np

from indexer.document import Document, ReadFailure
from indexer.embeddings import text_key
from indexer.store.base import StoreBase
from indexer.store.values import ChangeSet, FileState, PreparedDocument, StalePreparation, to_utc_iso, utc_now


class DocumentWrites(StoreBase):
    """``mark_reading``, ``touch_file`` and ``replace_file`` (all inside the store's transactions)."""

    def mark_reading(self, state: FileState, reader: str) -> None:
        """Record the file being read *before* reading it (Tracker/Baloo crash detection)."""
        with self.db.conn:
            self.db.execute(
                """INSERT INTO files (path, reader, mtime, size, sha256, status, doc_count, indexed_at)
                   VALUES (?, ?, ?, ?, ?, 'reading', 0, NULL)
                   ON CONFLICT(path) DO UPDATE SET status = 'reading', reader = excluded.reader,
                       mtime = excluded.mtime, size = excluded.size, sha256 = excluded.sha256""",
                [state.path, reader, state.mtime, state.size, state.sha256],
            )

    def touch_file(self, state: FileState) -> None:
        """An unchanged file (same hash) whose mtime moved: remember the new stat, do nothing else."""
        with self.db.conn:
            self.db.execute(
                "UPDATE files SET mtime = ?, size = ? WHERE path = ?", [state.mtime, state.size, state.path]
            )

    def replace_file(
        self,
        state: FileState,
        reader: str,
        prepared: Iterable[PreparedDocument],
        failures: Iterable[ReadFailure],
        status: str = "indexed",
        partial: bool = False,
        keep: Iterable[tuple[str, str]] = (),
    ) -> ChangeSet:
        """Replace everything known about one file, atomically.

        With ``partial=True`` (a streamed batch of a large file) documents from this file that are
        not in ``prepared`` are kept; the caller finishes with a final call that prunes everything
        not in ``prepared`` or ``keep`` (the locations committed by the earlier batches).
        """
        prepared = list(prepared)
        changes = ChangeSet()
        now = utc_now()
        kept: set[tuple[str, str]] = set(keep)
        with self.db.conn:
            displaced: list[str] = []
            for item in prepared:
                kept.add((item.document.source_path, item.document.locator))
                self._upsert_document(item, reader, now, changes, displaced)
            written = {item.document.stable_id for item in prepared}
            for doc_id in dict.fromkeys(displaced):
                if doc_id not in written:
                    self._repoint_or_delete(doc_id, changes)
            if not partial:
                self._prune_locations(state.path, kept, changes)
                self.db.execute("DELETE FROM failures WHERE path = ? AND kind != 'interrupted'", [state.path])
            for failure in failures:
                self.record_failure(failure.source_path, failure.error, failure.locator, reader, commit=False)
            doc_count = self.db.execute(
                "SELECT COUNT(DISTINCT doc_id) FROM locations WHERE source_path = ?", [state.path]
            ).fetchone()[0]
            if changes.added_ids and self._embedder_identity is not None:
                self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('embedder', ?)",
                                [self._embedder_identity])
            if not partial:
                self.db.execute(
                    """INSERT INTO files (path, reader, mtime, size, sha256, status, doc_count, indexed_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(path) DO UPDATE SET reader = excluded.reader, mtime = excluded.mtime,
                           size = excluded.size, sha256 = excluded.sha256, status = excluded.status,
                           doc_count = excluded.doc_count, indexed_at = excluded.indexed_at""",
                    [state.path, reader, state.mtime, state.size, state.sha256, status, doc_count, now],
                )
        return changes

    def _upsert_document(self, item: PreparedDocument, reader: str, now: str, changes: ChangeSet,
                         displaced: list[str]) -> None:
        doc = item.document
        doc_id = doc.stable_id
        content_hash = doc.content_hash()
        existing = self.db.execute("SELECT content_hash, source_path, locator FROM documents WHERE id = ?",
                                   [doc_id]).fetchone()
        holder = self.db.execute("SELECT doc_id FROM locations WHERE source_path = ? AND locator = ?",
                                 [doc.source_path, doc.locator]).fetchone()
        if holder is None:
            self.db.execute(
                "INSERT INTO locations (source_path, locator, doc_id, content_hash, seq) VALUES (?, ?, ?, ?, ?)",
                [doc.source_path, doc.locator, doc_id, content_hash, self._next_location_seq()])
        elif holder[0] != doc_id:
            # Another message now lives at this place (a file rewritten with different content).
            self.db.execute(
                "UPDATE locations SET doc_id = ?, content_hash = ?, seq = ? WHERE source_path = ? AND locator = ?",
                [doc_id, content_hash, self._next_location_seq(), doc.source_path, doc.locator])
            displaced.append(holder[0])
        else:
            self.db.execute("UPDATE locations SET content_hash = ? WHERE source_path = ? AND locator = ?",
                            [content_hash, doc.source_path, doc.locator])
        if existing and not self._writes_primary(doc_id, existing[1], existing[2], doc):
            # A copy at another place (same Message-ID): the earliest-indexed copy that still exists
            # keeps defining the document; this copy's content is remembered on its location only.
            changes.docs_unchanged += 1
            return
        if existing and existing[0] == content_hash:
            if (existing[1], existing[2]) != (doc.source_path, doc.locator):
                self.db.execute("UPDATE documents SET source_path = ?, locator = ? WHERE id = ?",
                                [doc.source_path, doc.locator, doc_id])
            changes.docs_unchanged += 1
            return
        if not item.chunks:
            # Every stored document has at least one chunk; never write one without.
            raise StalePreparation(doc_id)
        offset = doc.metadata.get("tz_offset_minutes")
        if offset is None and doc.timestamp is not None and doc.timestamp.utcoffset() is not None:
            offset = int(doc.timestamp.utcoffset().total_seconds() // 60)
        place = doc.metadata.get("place")
        row = {
            "id": doc_id, "kind": doc.kind, "reader": reader, "source_path": doc.source_path,
            "locator": doc.locator, "uid": doc.uid, "timestamp": to_utc_iso(doc.timestamp),
            "tz_offset_minutes": offset, "author": doc.author,
            "participants": json.dumps(doc.participants, ensure_ascii=False),
            "title": doc.title or "", "body": doc.body or "",
            "place": place if isinstance(place, str) else None,
            "metadata": json.dumps(doc.metadata, ensure_ascii=False, default=str),
            "content_hash": content_hash, "indexed_at": now,
        }
        if existing:
            changes.removed_ids += self._delete_chunks(doc_id)
            sets = ", ".join(f"{k} = :{k}" for k in row if k != "id")
            self.db.execute(f"UPDATE documents SET {sets} WHERE id = :id", row)
            self.db.execute("DELETE FROM doc_identities WHERE doc_id = ?", [doc_id])
            changes.docs_updated += 1
        else:
            cols = ", ".join(row)
            self.db.execute(f"INSERT INTO documents ({cols}) VALUES ({', '.join(':' + k for k in row)})", row)
            changes.docs_added += 1
        self._insert_identities(doc_id, doc)
        for ordinal, (text, vector) in enumerate(zip(item.chunks, item.embeddings)):
            vector = np.ascontiguousarray(vector, dtype=np.float32)
            cursor = self.db.execute(
                "INSERT INTO chunks (doc_id, ordinal, text, embedding, text_hash) VALUES (?, ?, ?, ?, ?)",
                [doc_id, ordinal, text, vector.tobytes(), text_key(text)],
            )
            changes.added_ids.append(int(cursor.lastrowid))
            changes.added_vectors.append(vector)

    def _insert_identities(self, doc_id: str, doc: Document) -> None:
        from indexer.identity import identity_keys

        roles = [("author", doc.author)] if doc.author else []
        roles += [("participant", p) for p in doc.participants if p]
        for role, value in roles:
            for key in identity_keys(str(value)):
                self.db.execute(
                    "INSERT OR IGNORE INTO doc_identities (doc_id, identity, role) VALUES (?, ?, ?)",
                    [doc_id, key, role],
                )
