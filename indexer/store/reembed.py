"""Re-embedding with another embedder: staging new vectors beside the old ones, then swapping them
all in (with the new identity) in one transaction."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.store.base import StoreBase


class Reembedding(StoreBase):
    """``reembed_start`` / ``reembed_pending`` / ``reembed_stage`` / ``reembed_finish``."""

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
