"""A read-only peek at ``kith.db`` for the CLI's hints: whether the index holds any document. It
opens the file with ``mode=ro`` (never creating or migrating it) and imports nothing heavy, so the
CLI's fast paths stay fast (``indexer.store`` loads its ``Store`` lazily for the same reason)."""
from __future__ import annotations

import os
import sqlite3


def index_is_empty(db_path: str | os.PathLike[str]) -> bool:
    """True when ``db_path`` does not exist or holds no document; False when it cannot be read
    (unreadable or mid-migration: the real command then says what is wrong)."""
    path = os.fspath(db_path)
    if not os.path.exists(path):
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None
        finally:
            conn.close()
    except sqlite3.Error:
        return False
