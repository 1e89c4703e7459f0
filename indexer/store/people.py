"""People: display names (the planner's entity values), identity keys (for redaction), resolving a
phrase to people and their relations, and the reads and writes of a people rebuild
(indexer/people.py decides who is who; this module only stores it)."""
from __future__ import annotations

from typing import Any

from indexer.store.base import StoreBase


class PeopleQueries(StoreBase):
    """The ``people``, ``person_identities`` and ``person_relations`` tables."""

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

    def person_names(self, limit: int = 5000) -> list[str]:
        """Display names of the people kith knows, most interactions first (the planner's entity values)."""
        rows = self.db.execute("SELECT DISTINCT display_name FROM people WHERE display_name != '' "
                               "ORDER BY interactions DESC, display_name LIMIT ?", [int(limit)]).fetchall()
        return [r[0] for r in rows]

    # ---------------------------------------------------------------- resolving people
    def owner_person_id(self) -> int | None:
        """The owner with the most interactions, or None when no one is the owner."""
        row = self.db.execute("SELECT id FROM people WHERE is_owner = 1 ORDER BY interactions DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def person_row(self, person_id: int) -> tuple[int, str, int, int, str | None] | None:
        """(id, display_name, is_owner, interactions, contact_doc_id) of one person."""
        return self.db.execute(
            "SELECT id, display_name, is_owner, interactions, contact_doc_id FROM people WHERE id = ?", [person_id]
        ).fetchone()

    def person_identity_keys(self, person_id: int) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT identity FROM person_identities WHERE person_id = ?",
                                              [person_id])]

    def person_relations_of(self, person_id: int) -> list[tuple[int, str]]:
        """(other person id, relation) for the known people ``person_id``'s card names."""
        return self.db.execute(
            "SELECT other_id, relation FROM person_relations WHERE person_id = ? AND other_id IS NOT NULL",
            [person_id]).fetchall()

    def person_relation_edges(self) -> list[tuple[int, str, int]]:
        """Every (person id, relation, other person id) between known people."""
        return self.db.execute(
            "SELECT person_id, relation, other_id FROM person_relations WHERE other_id IS NOT NULL").fetchall()

    def people_with_identity(self, key: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT person_id FROM person_identities WHERE identity = ?", [key])]

    def people_named(self, name: str) -> list[int]:
        """People with a name key equal to ``name``, or starting or ending with it as a word."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT person_id FROM person_identities WHERE identity LIKE ? OR identity LIKE ? OR identity = ?",
            [f"name:{name} %", f"name:% {name}", f"name:{name}"])]

    def display_name_for_identity(self, key: str) -> str | None:
        """The display name of the person with identity ``key`` (contact cards first), if any."""
        row = self.db.execute(
            "SELECT p.display_name FROM person_identities i JOIN people p ON p.id = i.person_id "
            "WHERE i.identity = ? ORDER BY p.contact_doc_id IS NULL, p.interactions DESC LIMIT 1", [key]
        ).fetchone()
        return row[0] if row else None

    def person_for_contact(self, contact_doc_id: str) -> int | None:
        row = self.db.execute("SELECT id FROM people WHERE contact_doc_id = ? LIMIT 1", [contact_doc_id]).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- rebuilding people (its inputs)
    def contact_card_rows(self) -> list[dict[str, Any]]:
        """Every contact card as {id, title, metadata JSON}, by id."""
        return list(self.db.query("SELECT id, title, metadata FROM documents WHERE kind = 'contact' ORDER BY id"))

    def identity_documents(self) -> list[tuple[str, str]]:
        """Every (identity key, document id) pair in ``doc_identities``."""
        return self.db.execute("SELECT identity, doc_id FROM doc_identities").fetchall()

    def conversation_authors(self) -> list[str]:
        """Distinct authors of mails and messages."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT author FROM documents WHERE author IS NOT NULL AND kind IN ('mail', 'message')"
        ).fetchall()]

    def card_is_me(self, contact_doc_id: str) -> bool:
        """Whether the contact card is marked as the owner's own ("me")."""
        row = self.db.execute("SELECT json_extract(metadata, '$.is_me') FROM documents WHERE id = ?",
                              [contact_doc_id]).fetchone()
        return bool(row and row[0])

    def top_sent_mail_sender(self) -> str | None:
        """The From address that occurs most in sent mail, or None."""
        row = self.db.execute(
            "SELECT json_extract(metadata, '$.from_address') AS sender, COUNT(*) AS n FROM documents "
            "WHERE kind = 'mail' AND json_extract(metadata, '$.is_sent') GROUP BY sender ORDER BY n DESC LIMIT 1"
        ).fetchone()
        return row[0] if row and row[0] else None

    # ---------------------------------------------------------------- rebuilding people (writes)
    # These do not commit: call them inside ``with store.transaction():`` so a rebuild is atomic.
    def clear_people(self) -> None:
        for table in ("people", "person_identities", "person_relations"):
            self.db.execute(f"DELETE FROM {table}")

    def insert_person(self, display_name: str, contact_doc_id: str | None, is_owner: bool, interactions: int) -> int:
        """Add one person; returns their id."""
        cursor = self.db.execute(
            "INSERT INTO people (display_name, contact_doc_id, is_owner, interactions) VALUES (?, ?, ?, ?)",
            [display_name, contact_doc_id, int(is_owner), interactions])
        return int(cursor.lastrowid)

    def add_person_identities(self, person_id: int, keys: list[str]) -> None:
        self.db.conn.executemany("INSERT OR IGNORE INTO person_identities (person_id, identity) VALUES (?, ?)",
                                 [(person_id, k) for k in keys])

    def insert_person_relation(self, person_id: int | None, relation: str, other_id: int | None,
                               other_value: str) -> None:
        self.db.execute(
            "INSERT INTO person_relations (person_id, relation, other_id, other_value) VALUES (?, ?, ?, ?)",
            [person_id, relation, other_id, other_value])
