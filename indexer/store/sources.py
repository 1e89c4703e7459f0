"""Watched sources and the daemon's bookkeeping: the ``sources`` table (``kith sources``),
``daemon_attempts`` (how often the daemon died reading a file) and the files the catch-up scan and
crash recovery look at."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase
from indexer.store.values import utc_now


class SourceRecords(StoreBase):
    """``sources``, ``daemon_attempts`` and the daemon's questions about ``files``."""

    # ---------------------------------------------------------------- sources
    def add_source(self, path: str, kind: str | None) -> None:
        """Watch ``path`` (``kind`` None: sniff each file); adding it again changes only its kind."""
        with self.db.conn:
            self.db.execute("INSERT INTO sources (path, kind, added_at) VALUES (?, ?, ?) "
                            "ON CONFLICT(path) DO UPDATE SET kind = excluded.kind", [path, kind, utc_now()])

    def remove_source(self, path: str) -> bool:
        """Stop watching ``path``; False when it was not a source."""
        with self.db.conn:
            return self.db.execute("DELETE FROM sources WHERE path = ?", [path]).rowcount > 0

    def sources(self) -> dict[str, str | None]:
        """Every watched source path and its kind (None: sniffed), by path."""
        rows = self.db.execute("SELECT path, kind FROM sources ORDER BY path").fetchall()
        return {path: kind for path, kind in rows}

    def source_rows(self) -> list[dict[str, Any]]:
        """Sources as ``kith status`` shows them: path, kind and last_scanned (table order)."""
        return [dict(r) for r in self.db.query("SELECT path, kind, last_scanned FROM sources")]

    def source_listing(self) -> list[dict[str, Any]]:
        """Sources with when they were added and scanned and how many files each holds, by path."""
        return [dict(r) for r in self.db.query(
            "SELECT s.path, s.kind, s.added_at, s.last_scanned, "
            "(SELECT COUNT(*) FROM files f WHERE f.path = s.path OR substr(f.path, 1, length(s.path) + 1) = s.path || '/') "
            "AS files FROM sources s ORDER BY s.path")]

    def mark_source_scanned(self, path: str) -> None:
        with self.db.conn:
            self.db.execute("UPDATE sources SET last_scanned = ? WHERE path = ?", [utc_now(), path])

    # ---------------------------------------------------------------- files the daemon checks
    def files_being_read(self) -> list[tuple[str, str | None, float, int]]:
        """Files left in status 'reading' (path, reader, mtime, size): a read was interrupted."""
        return [tuple(r) for r in self.db.execute(
            "SELECT path, reader, mtime, size FROM files WHERE status = 'reading'").fetchall()]

    def file_paths_under(self, source: str) -> list[str]:
        """Recorded file paths equal to ``source`` or under it."""
        prefix = source.rstrip("/") + "/"
        return [r[0] for r in self.db.execute(
            "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?", [source, len(prefix), prefix]
        ).fetchall()]

    def file_status_counts(self) -> dict[str, int]:
        """How many ``files`` rows have each status (indexed, failed, skipped, reading)."""
        return dict(self.db.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())

    # ---------------------------------------------------------------- daemon_attempts
    def read_attempts(self, path: str) -> int:
        """How many times the daemon stopped while reading ``path`` (0 when never)."""
        row = self.db.execute("SELECT attempts FROM daemon_attempts WHERE path = ?", [path]).fetchone()
        return int(row[0]) if row else 0

    def set_read_attempts(self, path: str, attempts: int) -> None:
        with self.db.conn:
            self.db.execute("INSERT OR REPLACE INTO daemon_attempts (path, attempts, last_attempt) "
                            "VALUES (?, ?, ?)", [path, attempts, utc_now()])

    def clear_read_attempts(self, path: str) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM daemon_attempts WHERE path = ?", [path])

    def attempted_paths(self) -> set[str]:
        """Every path with a recorded interrupted read."""
        return {r[0] for r in self.db.execute("SELECT path FROM daemon_attempts")}
