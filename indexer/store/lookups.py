"""Document look-ups for the agent and the intents: threads and conversations, entity candidates
(documents by id, path or title, contact cards, places), the digest's inputs and small lists
(recent documents, known places). Each returns plain ids, tuples or dicts."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from indexer.store.base import StoreBase

_ENTITY_COLS = "d.id, d.kind, d.title, d.timestamp, d.source_path, d.locator"


def _kind_sql(kinds: Sequence[str]) -> str:
    return f" AND d.kind IN ({','.join('?' * len(kinds))})" if kinds else ""


class DocumentLookups(StoreBase):
    """Read-only look-ups on ``documents`` (and ``documents_fts``) by the agent and the intents."""

    # ---------------------------------------------------------------- threads
    def mail_ids_referencing(self, message_ids: Collection[str]) -> list[str]:
        """Mails whose Message-ID, thread root or In-Reply-To is one of ``message_ids``."""
        ids = list(message_ids)
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"""SELECT id FROM documents WHERE kind = 'mail' AND (
                  json_extract(metadata, '$.message_id') IN ({marks}) OR json_extract(metadata, '$.thread_root') IN ({marks})
                  OR json_extract(metadata, '$.in_reply_to') IN ({marks}))""", [*ids, *ids, *ids]).fetchall()
        return [r[0] for r in rows]

    def mail_ids_in_thread(self, root: str | None, subject: str) -> list[str]:
        """Mails with thread root or Message-ID ``root``, or titled ``subject`` (or "Re: subject")."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents WHERE kind = 'mail' AND (json_extract(metadata, '$.thread_root') = ? "
            "OR json_extract(metadata, '$.message_id') = ? OR title = ? OR title LIKE ?)",
            [root, root, subject, f"%: {subject}"])]

    def document_ids_in_file(self, kind: str, source_path: str) -> list[str]:
        """Documents of ``kind`` read from ``source_path`` (a chat's conversation windows)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents WHERE kind = ? AND source_path = ?", [kind, source_path])]

    def conversation_ids_by_title(self, match: str, limit: int = 50) -> list[str]:
        """Mails and messages whose title matches the FTS5 query ``match``, best first."""
        return [r[0] for r in self.db.execute(
            "SELECT d.id FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid "
            "WHERE documents_fts MATCH ? AND d.kind IN ('mail', 'message') ORDER BY bm25(documents_fts) LIMIT ?",
            [f"title : ({match})", limit])]

    # ---------------------------------------------------------------- entity candidates
    def documents_by_id_or_path(self, text: str, kinds: Sequence[str] = ()) -> list[tuple]:
        """(id, kind, title, timestamp, source_path, locator) of documents with id or path ``text``."""
        return self.db.execute(
            f"SELECT {_ENTITY_COLS} FROM documents d WHERE (d.id = ? OR d.source_path = ?){_kind_sql(kinds)}",
            [text, text, *kinds]).fetchall()

    def documents_titled(self, title: str, kinds: Sequence[str] = ()) -> list[tuple]:
        """Like ``documents_by_id_or_path`` for documents titled ``title`` (any case)."""
        return self.db.execute(
            f"SELECT {_ENTITY_COLS} FROM documents d WHERE d.title = ? COLLATE NOCASE{_kind_sql(kinds)}",
            [title, *kinds]).fetchall()

    def documents_by_title_words(self, match: str, kinds: Sequence[str] = (), limit: int = 20) -> list[tuple]:
        """Like ``documents_by_id_or_path`` plus the bm25 rank (lower is better) for titles matching
        the FTS5 query ``match``, best first."""
        return self.db.execute(
            f"SELECT {_ENTITY_COLS}, bm25(documents_fts) FROM documents_fts JOIN documents d "
            f"ON d.rowid = documents_fts.rowid WHERE documents_fts MATCH ?{_kind_sql(kinds)} "
            f"ORDER BY bm25(documents_fts) LIMIT ?", [f"title : ({match})", *kinds, limit]).fetchall()

    def contact_cards(self) -> list[tuple[str, str, str]]:
        """(id, title, metadata JSON) of every contact card."""
        return self.db.execute("SELECT id, title, metadata FROM documents WHERE kind = 'contact'").fetchall()

    def places_like(self, text: str, limit: int = 50) -> list[str]:
        """Indexed place labels containing ``text``, sorted."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT place FROM documents WHERE place LIKE ? ORDER BY place LIMIT ?", [f"%{text}%", limit])]

    def known_places(self, limit: int = 500) -> list[str]:
        """Some distinct indexed place labels (the planner's place values)."""
        rows = self.db.execute("SELECT DISTINCT place FROM documents WHERE place IS NOT NULL LIMIT ?",
                               [limit]).fetchall()
        return [r[0] for r in rows if r[0]]

    def mentions_person(self, phrase: str) -> bool:
        """Whether any document's author or participants contain ``phrase``."""
        return self.db.execute("SELECT 1 FROM documents WHERE author LIKE ? OR participants LIKE ? LIMIT 1",
                               [f"%{phrase}%", f"%{phrase}%"]).fetchone() is not None

    def recent_documents(self, limit: int = 50) -> list[tuple[str, str, str]]:
        """(id, title, kind) of the newest documents."""
        return self.db.execute("SELECT id, title, kind FROM documents ORDER BY timestamp DESC LIMIT ?",
                               [limit]).fetchall()

    # ---------------------------------------------------------------- the digest
    def conversations_between(self, start_iso: str | None, end_iso: str | None) -> list[tuple[Any, ...]]:
        """(id, kind, title, author, timestamp, body, metadata JSON) of mails and messages dated in
        [start, end], newest first."""
        return self.db.execute(
            "SELECT id, kind, title, author, timestamp, body, metadata FROM documents "
            "WHERE kind IN ('mail', 'message') AND timestamp >= ? AND timestamp <= ? ORDER BY timestamp DESC",
            [start_iso, end_iso]).fetchall()

    def counts_by_author(self) -> dict[str, int]:
        """How many documents each author wrote."""
        return dict(self.db.execute(
            "SELECT author, COUNT(*) FROM documents WHERE author IS NOT NULL GROUP BY author").fetchall())

    def replied_message_ids(self) -> set[str]:
        """The Message-IDs the owner's sent mails reply to."""
        return {r[0] for r in self.db.execute(
            "SELECT json_extract(metadata, '$.in_reply_to') FROM documents WHERE kind = 'mail' "
            "AND json_extract(metadata, '$.is_sent') = 1").fetchall() if r[0]}
