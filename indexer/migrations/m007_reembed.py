"""`kith reembed` staging: new vectors per chunk id, written in batches (resumable) and swapped into
``chunks`` in one transaction at the end; the target embedder is ``meta.reembed_target``."""
from __future__ import annotations

SQL = """
CREATE TABLE reembed_chunks (
    chunk_id INTEGER PRIMARY KEY,
    embedding BLOB NOT NULL
);
"""
