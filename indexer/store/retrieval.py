"""The queries retrieval runs: the bm25 leg over ``documents_fts``, chunk ids and vectors under a
filter (the dense leg's exact scan), documents browsed by time, and the next or newest document
matching a filter (the read intents). Filters arrive as ``FilterSQL`` (indexer/store/filters.py)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from indexer.store.base import StoreBase
from indexer.store.filters import FILE_TIME_SQL, FilterSQL


class RetrievalQueries(StoreBase):
    """Read-only search queries over ``documents``, ``documents_fts`` and ``chunks``."""

    def bm25_documents(self, match: str, weights: Sequence[float], limit: int,
                       flt: FilterSQL) -> list[tuple[str, float]]:
        """Documents matching the FTS5 query ``match``: (doc_id, bm25 rank; lower is better), best first.
        ``weights`` are the per-column bm25 weights (title, body, author, participants)."""
        weight_sql = ", ".join(str(w) for w in weights)
        if not flt.clauses:  # rank inside FTS alone, then look up the ids: ~2x faster than joining first
            rows = self.db.execute(
                f"SELECT rowid, bm25(documents_fts, {weight_sql}) AS rank FROM documents_fts "
                f"WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?", [match, limit]).fetchall()
            if not rows:
                return []
            ids = dict(self.db.execute(
                f"SELECT rowid, id FROM documents WHERE rowid IN ({','.join('?' * len(rows))})",
                [rowid for rowid, _ in rows]).fetchall())
            return [(ids[rowid], rank) for rowid, rank in rows if rowid in ids]
        sql = (
            f"SELECT d.id, bm25(documents_fts, {weight_sql}) AS rank FROM documents_fts "
            f"JOIN documents d ON d.rowid = documents_fts.rowid WHERE documents_fts MATCH ? "
            f"{flt.where('AND')} ORDER BY rank LIMIT ?"
        )
        return [(doc_id, rank) for doc_id, rank in self.db.execute(sql, [match, *flt.args, limit]).fetchall()]

    def chunk_ids_where(self, flt: FilterSQL) -> Iterator[int]:
        """Ids of the chunks whose document passes ``flt``."""
        for row in self.db.execute(
                f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id {flt.where()}", flt.args):
            yield row[0]

    def chunk_vectors_where(self, flt: FilterSQL, batch: int = 8192) -> Iterator[list[tuple[int, str, bytes]]]:
        """Batches of (chunk_id, doc_id, embedding bytes) for the chunks whose document passes ``flt``."""
        cursor = self.db.execute(
            f"SELECT c.id, c.doc_id, c.embedding FROM chunks c JOIN documents d ON d.id = c.doc_id {flt.where()}",
            flt.args,
        )
        while rows := cursor.fetchmany(batch):
            yield rows

    def chunk_doc_ids(self, chunk_ids: Sequence[int]) -> dict[int, str]:
        """chunk id -> document id for the given chunks (missing ones are left out)."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        return dict(self.db.execute(f"SELECT id, doc_id FROM chunks WHERE id IN ({marks})", list(chunk_ids)).fetchall())

    def chunk_text(self, chunk_id: int) -> str | None:
        row = self.db.execute("SELECT text FROM chunks WHERE id = ?", [chunk_id]).fetchone()
        return row[0] if row else None

    def browse_document_ids(self, flt: FilterSQL, limit: int, oldest_first: bool, file_time: bool) -> list[str]:
        """Documents passing ``flt`` in time order; ``file_time`` picks the photos dated only by
        their file's time (True) or every other document (False)."""
        direction = "ASC" if oldest_first else "DESC"
        negate = "" if file_time else "NOT "
        where = f"{flt.where()} AND " if flt.clauses else "WHERE "
        return [r[0] for r in self.db.execute(
            f"SELECT d.id FROM documents d {where}{negate}{FILE_TIME_SQL} ORDER BY d.timestamp {direction} LIMIT ?",
            [*flt.args, limit]).fetchall()]

    def newest_document_ids(self, flt: FilterSQL, limit: int) -> list[str]:
        """Documents passing ``flt``, newest first."""
        return [r[0] for r in self.db.execute(
            f"SELECT d.id FROM documents d {flt.where()} ORDER BY d.timestamp DESC LIMIT ?", [*flt.args, limit])]

    def first_document_id(self, flt: FilterSQL, fts_match: str | None = None) -> str | None:
        """The earliest document passing ``flt`` (and the FTS5 query ``fts_match`` when given)."""
        sql = f"SELECT d.id FROM documents d {flt.where()}"
        args = list(flt.args)
        if fts_match:
            sql += " AND d.rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)"
            args.append(fts_match)
        row = self.db.execute(sql + " ORDER BY d.timestamp ASC LIMIT 1", args).fetchone()
        return row[0] if row else None
