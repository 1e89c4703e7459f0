"""The SQLite source of truth: documents, their locations, chunks with embeddings, FTS and failures.

Every file is written in one transaction (``replace_file``), so a crash leaves either the old or
the new state of that file, never a mix. Vector changes are returned as a ``ChangeSet`` so the
FAISS cache can follow without re-reading anything.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from indexer.document import Document, ReadFailure
from indexer.embeddings import text_key
from indexer.errors import StoreError
from indexer.home import KithHome, secure_touch
from indexer.migrations import apply_migrations


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


class Store:
    """Opens (and migrates) ``kith.db`` in a home directory."""

    def __init__(self, home: KithHome, db: sqlite_utils.Database) -> None:
        self.home = home
        self.db = db
        self._embedder_identity: str | None = None  # JSON recorded with the first vector written

    def expect_embedder(self, identity: Any) -> None:
        """Record ``identity`` (an EmbedderIdentity) in ``meta`` with the first vector this store writes."""
        self._embedder_identity = json.dumps(identity.to_json())

    @classmethod
    def open(cls, home: KithHome | str | os.PathLike[str] | None = None, readonly: bool = False) -> "Store":
        home = home if isinstance(home, KithHome) else KithHome.resolve(home)
        path = home.db_path
        try:
            if not readonly:
                secure_touch(path)
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=OFF")
            db.execute("PRAGMA busy_timeout=30000")
            if not readonly:
                apply_migrations(db)
            for suffix in ("-wal", "-shm"):
                extra = Path(str(path) + suffix)
                if extra.exists():
                    os.chmod(extra, 0o600)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open index database {path}: {exc}") from exc
        store = cls(home, db)
        if not readonly:
            from indexer.owner import ensure_people_current

            ensure_people_current(store)  # [owner] in kith.toml added or edited since people were built
        return store

    def close(self) -> None:
        self.db.conn.close()

    # ----------------------------------------------------------------- reads
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

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db.conn:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    # ---------------------------------------------------------------- writes
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

    def _delete_chunks(self, doc_id: str) -> list[int]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", [doc_id])]
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", [doc_id])
        return ids

    def _delete_document(self, doc_id: str, changes: ChangeSet) -> None:
        changes.removed_ids += self._delete_chunks(doc_id)
        self.db.execute("DELETE FROM doc_identities WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM locations WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        changes.docs_removed += 1

    def _prune_locations(self, path: str, kept: set[tuple[str, str]], changes: ChangeSet) -> None:
        """Drop this file's locations that the new read did not produce; delete orphaned documents."""
        stale = [
            (locator, doc_id)
            for locator, doc_id in self.db.execute(
                "SELECT locator, doc_id FROM locations WHERE source_path = ?", [path]
            ).fetchall()
            if (path, locator) not in kept
        ]
        for locator, doc_id in stale:
            self.db.execute("DELETE FROM locations WHERE source_path = ? AND locator = ?", [path, locator])
            self._repoint_or_delete(doc_id, changes)

    def _writes_primary(self, doc_id: str, primary_path: str, primary_locator: str, doc: Document) -> bool:
        """Whether ``doc`` (read at its location) defines the stored document's content.

        It does when it is read at the document's primary location, when the primary is in the same
        file (the file was rewritten), or when the primary location no longer exists.
        """
        if primary_path == doc.source_path:
            return True
        return self.db.execute(
            "SELECT 1 FROM locations WHERE source_path = ? AND locator = ? AND doc_id = ?",
            [primary_path, primary_locator, doc_id]).fetchone() is None

    def primary_copy_elsewhere(self, doc_id: str, path: str) -> bool:
        """True if ``doc_id`` is defined by a location that exists in a file other than ``path``
        (so a copy read from ``path`` needs no embedding)."""
        row = self.db.execute(
            """SELECT 1 FROM documents d JOIN locations l
                   ON l.doc_id = d.id AND l.source_path = d.source_path AND l.locator = d.locator
               WHERE d.id = ? AND d.source_path != ?""", [doc_id, path]).fetchone()
        return row is not None

    def _next_location_seq(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM locations").fetchone()[0])

    def _repoint_or_delete(self, doc_id: str, changes: ChangeSet) -> None:
        """A location of ``doc_id`` went away: keep the document while a copy exists.

        If its primary location went, the earliest-indexed remaining copy becomes primary; when that
        copy's content differs (or is unknown), its file is listed in ``changes.stale_paths`` so the
        caller re-reads it and the document is rebuilt from text that exists on disk.
        """
        doc = self.db.execute("SELECT source_path, locator, content_hash FROM documents WHERE id = ?",
                              [doc_id]).fetchone()
        if doc is None:
            return
        if self.db.execute("SELECT 1 FROM locations WHERE source_path = ? AND locator = ? AND doc_id = ?",
                           [doc[0], doc[1], doc_id]).fetchone():
            return
        other = self.db.execute(
            "SELECT source_path, locator, content_hash FROM locations WHERE doc_id = ? ORDER BY seq LIMIT 1", [doc_id]
        ).fetchone()
        if other is None:
            self._delete_document(doc_id, changes)
            return
        self.db.execute(
            "UPDATE documents SET source_path = ?, locator = ? WHERE id = ?", [other[0], other[1], doc_id]
        )
        if other[2] != doc[2]:
            changes.stale_paths.append(other[0])

    def record_failure(self, path: str, error: str, locator: str = "", reader: str | None = None,
                       commit: bool = True, kind: str = "read") -> None:
        """``kind``: read | crash | interrupted (indexer/migrations/m006_failure_kind.py)."""
        now = utc_now()
        sql = """INSERT INTO failures (path, locator, reader, error, first_seen, last_seen, kind)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT(path, locator) DO UPDATE SET error = excluded.error,
                     reader = excluded.reader, last_seen = excluded.last_seen, kind = excluded.kind"""
        args = [path, locator or "", reader, error[:2000], now, now, kind]
        if commit:
            with self.db.conn:
                self.db.execute(sql, args)
        else:
            self.db.execute(sql, args)

    def mark_failed(self, state: FileState, reader: str | None, error: str, kind: str = "read") -> None:
        """A whole file could not be read: record why and remember its stat so it is not retried unchanged."""
        with self.db.conn:
            self.record_failure(state.path, error, "", reader, commit=False, kind=kind)
            self.db.execute(
                """INSERT INTO files (path, reader, mtime, size, sha256, status, doc_count, indexed_at)
                   VALUES (?, ?, ?, ?, ?, 'failed', 0, ?)
                   ON CONFLICT(path) DO UPDATE SET reader = excluded.reader, mtime = excluded.mtime,
                       size = excluded.size, sha256 = excluded.sha256, status = 'failed',
                       indexed_at = excluded.indexed_at""",
                [state.path, reader, state.mtime, state.size, state.sha256, utc_now()],
            )

    def mark_skipped(self, state: FileState) -> None:
        """No reader knows this file's format: remember it for `kith status --skipped`."""
        with self.db.conn:
            self.db.execute(
                """INSERT INTO files (path, reader, mtime, size, sha256, status, doc_count, indexed_at)
                   VALUES (?, NULL, ?, ?, NULL, 'skipped', 0, ?)
                   ON CONFLICT(path) DO UPDATE SET reader = NULL, mtime = excluded.mtime, size = excluded.size,
                       status = 'skipped', doc_count = 0, indexed_at = excluded.indexed_at""",
                [state.path, state.mtime, state.size, utc_now()],
            )

    def skipped_files(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Files no reader accepted (not a known format), newest first."""
        sql = "SELECT path, size, indexed_at AS seen FROM files WHERE status = 'skipped' ORDER BY indexed_at DESC, path"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))

    def remove_path(self, path: str) -> ChangeSet:
        """Forget a file, or everything under a directory, in one transaction."""
        changes = ChangeSet()
        prefix = path.rstrip("/") + "/"
        with self.db.conn:
            rows = self.db.execute(
                "SELECT source_path, locator, doc_id FROM locations WHERE source_path = ? OR substr(source_path, 1, ?) = ?",
                [path, len(prefix), prefix],
            ).fetchall()
            for source_path, locator, _ in rows:
                self.db.execute("DELETE FROM locations WHERE source_path = ? AND locator = ?", [source_path, locator])
            for doc_id in {r[2] for r in rows}:
                self._repoint_or_delete(doc_id, changes)
            for table in ("files", "failures"):
                self.db.execute(
                    f"DELETE FROM {table} WHERE path = ? OR substr(path, 1, ?) = ?", [path, len(prefix), prefix]
                )
        return changes

    def remove_document(self, doc_id: str) -> ChangeSet:
        changes = ChangeSet()
        with self.db.conn:
            if self.db.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone():
                self._delete_document(doc_id, changes)
        return changes

    def move_path(self, old: str, new: str) -> int:
        """A file or directory was renamed: repoint its documents without re-reading or re-embedding."""
        old_prefix, new_prefix = old.rstrip("/") + "/", new.rstrip("/") + "/"

        def moved(value: str) -> str:
            return new if value == old else new_prefix + value[len(old_prefix):]

        with self.db.conn:
            rows = self.db.execute(
                "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?", [old, len(old_prefix), old_prefix]
            ).fetchall()
            for (path,) in rows:
                target = moved(path)
                self.db.execute("DELETE FROM files WHERE path = ?", [target])
                self.db.execute("UPDATE files SET path = ? WHERE path = ?", [target, path])
                self.db.execute("UPDATE OR REPLACE locations SET source_path = ? WHERE source_path = ?", [target, path])
                self.db.execute("UPDATE documents SET source_path = ? WHERE source_path = ?", [target, path])
                self.db.execute("UPDATE failures SET path = ? WHERE path = ?", [target, path])
        return len(rows)

    # --------------------------------------------------------------- reembed
    def reembed_start(self, target: str) -> int:
        """Begin (or resume) re-embedding towards ``target`` (an identity's JSON). A run towards
        another target is discarded. Returns how many chunks are already staged."""
        with self.db.conn:
            if self.get_meta("reembed_target") != target:
                self.db.execute("DELETE FROM reembed_chunks")
                self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reembed_target', ?)", [target])
            return int(self.db.execute("SELECT COUNT(*) FROM reembed_chunks").fetchone()[0])

    def reembed_pending(self, limit: int) -> list[tuple[int, str]]:
        """Chunks not yet staged: (id, text), in id order."""
        return self.db.execute(
            "SELECT id, text FROM chunks WHERE id NOT IN (SELECT chunk_id FROM reembed_chunks) ORDER BY id LIMIT ?",
            [limit]).fetchall()

    def reembed_stage(self, rows: Sequence[tuple[int, np.ndarray]]) -> None:
        with self.db.conn:
            self.db.conn.executemany("INSERT OR REPLACE INTO reembed_chunks (chunk_id, embedding) VALUES (?, ?)",
                                [(cid, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for cid, v in rows])

    def reembed_finish(self, identity: str) -> int:
        """Swap every staged vector into ``chunks`` (as new chunk ids, so the FAISS cache follows by
        id) and record ``identity``, in one transaction. Returns the number of chunks still unstaged
        (then nothing is changed and the caller stages them first)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            missing = db.execute("SELECT COUNT(*) FROM chunks WHERE id NOT IN "
                                 "(SELECT chunk_id FROM reembed_chunks)").fetchone()[0]
            if missing:
                db.execute("ROLLBACK")
                return int(missing)
            db.execute("DROP TABLE IF EXISTS temp.reembed_swap")
            db.execute("CREATE TEMP TABLE reembed_swap AS SELECT c.doc_id, c.ordinal, c.text, r.embedding, c.text_hash "
                       "FROM chunks c JOIN reembed_chunks r ON r.chunk_id = c.id")
            db.execute("DELETE FROM chunks")
            db.execute("INSERT INTO chunks (doc_id, ordinal, text, embedding, text_hash) "
                       "SELECT doc_id, ordinal, text, embedding, text_hash FROM temp.reembed_swap ORDER BY doc_id, ordinal")
            db.execute("DROP TABLE temp.reembed_swap")
            db.execute("DELETE FROM reembed_chunks")
            db.execute("DELETE FROM meta WHERE key = 'reembed_target'")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('embedder', ?)", [identity])
            db.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        return 0

    # ---------------------------------------------------------------- status
    def counts_by_kind(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT kind, COUNT(*) FROM documents GROUP BY kind ORDER BY kind").fetchall())

    def counts_by_reader(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT COALESCE(reader, '?'), COUNT(*) FROM documents GROUP BY reader ORDER BY reader").fetchall())

    def failures(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT path, locator, reader, error, first_seen, last_seen, kind FROM failures ORDER BY last_seen DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))

    # ---------------------------------------------------------------- egress (issue 15)
    def record_egress(self, tier: str, host: str, kind: str, bytes_sent: int, bytes_received: int,
                      redactions: int, consent_fingerprint: str | None, status: str) -> int:
        """Append one request that left the device to the egress log; returns its id."""
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO egress_log (time, tier, host, kind, bytes_sent, bytes_received, redactions, "
                "consent_fingerprint, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [utc_now(), tier, host, kind, bytes_sent, bytes_received, redactions, consent_fingerprint, status])
        return int(cursor.lastrowid)

    def egress_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT id, time, tier, host, kind, bytes_sent, bytes_received, redactions, consent_fingerprint, "
               "status FROM egress_log ORDER BY id DESC")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))

    def people_identities(self) -> list[dict[str, Any]]:
        """Every person's display name and identity keys (email:…, phone:…, name:…), for redaction."""
        rows = self.db.execute(
            "SELECT p.id, p.display_name, i.identity FROM people p "
            "LEFT JOIN person_identities i ON i.person_id = p.id ORDER BY p.id").fetchall()
        people: dict[int, dict[str, Any]] = {}
        for person_id, name, identity in rows:
            entry = people.setdefault(person_id, {"name": name, "identities": []})
            if identity:
                entry["identities"].append(identity)
        return list(people.values())

    # ---------------------------------------------------------------- people
    def person_names(self, limit: int = 5000) -> list[str]:
        """Display names of the people kith knows, most interactions first (the planner's entity values)."""
        rows = self.db.execute("SELECT DISTINCT display_name FROM people WHERE display_name != '' "
                               "ORDER BY interactions DESC, display_name LIMIT ?", [int(limit)]).fetchall()
        return [r[0] for r in rows]
