"""Failures and status: recording read/crash failures and skipped files, and the counts and lists
``kith status`` shows."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase
from indexer.store.values import FileState, utc_now


class FailureRecords(StoreBase):
    """The ``failures`` table, failed and skipped ``files`` rows, and document counts."""

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
    # ---------------------------------------------------------------- status
    def document_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def failure_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM failures").fetchone()[0])

    def integrity_counts(self) -> dict[str, int]:
        """Counts that must agree after any crash: documents, distinct ids and mail uids, FTS rows,
        chunks, documents without a chunk and files left 'reading'."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "distinct_ids": one("SELECT COUNT(DISTINCT id) FROM documents"),
            "distinct_uids": one("SELECT COUNT(DISTINCT uid) FROM documents WHERE kind = 'mail' AND uid IS NOT NULL"),
            "fts_rows": one("SELECT COUNT(*) FROM documents_fts_docsize"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
            "docs_without_chunks": one("SELECT COUNT(*) FROM documents d WHERE NOT EXISTS "
                                       "(SELECT 1 FROM chunks c WHERE c.doc_id = d.id)"),
            "reading": one("SELECT COUNT(*) FROM files WHERE status = 'reading'"),
        }

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
