"""People layer: persons merged across sources, their identity keys, and relations to the owner."""
from __future__ import annotations

SQL = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    display_name TEXT NOT NULL,
    contact_doc_id TEXT,
    is_owner INTEGER NOT NULL DEFAULT 0,
    interactions INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE person_identities (
    person_id INTEGER NOT NULL,
    identity TEXT NOT NULL,
    PRIMARY KEY (person_id, identity)
);
CREATE INDEX person_identities_identity ON person_identities(identity);
CREATE TABLE person_relations (
    person_id INTEGER NOT NULL,     -- whose card states the relation (usually the owner)
    relation TEXT NOT NULL,         -- spouse, parent, mother, friend ... (indexer.identity.RELATION_TYPES)
    other_id INTEGER,               -- the related person, when resolved
    other_value TEXT NOT NULL       -- the raw value on the card
);
"""
