"""Where documents live: locations and copies (the same message in several files), the primary
copy, and forgetting, removing or moving files without re-reading them."""
from __future__ import annotations

from indexer.document import Document
from indexer.store.base import StoreBase
from indexer.store.values import ChangeSet


class Locations(StoreBase):
    """Location bookkeeping: primary copies, orphaned documents, removed and renamed paths."""

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
