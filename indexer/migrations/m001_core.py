"""Core tables: sources, files, documents (+FTS5), locations, identities, chunks, failures, meta."""
from __future__ import annotations

SQL = """
        CREATE TABLE sources (
            path TEXT PRIMARY KEY,
            kind TEXT,
            added_at TEXT NOT NULL,
            last_scanned TEXT
        );
        CREATE TABLE files (
            path TEXT PRIMARY KEY,
            reader TEXT,
            mtime REAL,
            size INTEGER,
            sha256 TEXT,
            status TEXT NOT NULL,          -- indexed | failed | reading | skipped
            doc_count INTEGER NOT NULL DEFAULT 0,
            indexed_at TEXT
        );
        CREATE TABLE documents (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            reader TEXT,
            source_path TEXT NOT NULL,
            locator TEXT NOT NULL,
            uid TEXT,
            timestamp TEXT,                -- UTC ISO 8601
            tz_offset_minutes INTEGER,     -- the original offset, when the source had one
            author TEXT,
            participants TEXT NOT NULL DEFAULT '[]',
            title TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL DEFAULT '',
            place TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL,
            indexed_at TEXT NOT NULL
        );
        CREATE INDEX documents_kind_time ON documents(kind, timestamp);
        CREATE INDEX documents_source ON documents(source_path);
        -- Every place a document was seen (the same Message-ID in two folders is one document).
        CREATE TABLE locations (
            source_path TEXT NOT NULL,
            locator TEXT NOT NULL,
            doc_id TEXT NOT NULL REFERENCES documents(id),
            PRIMARY KEY (source_path, locator)
        );
        CREATE INDEX locations_doc ON locations(doc_id);
        -- Normalised identity keys (email:, phone:, name:) of a document's author and participants.
        CREATE TABLE doc_identities (
            doc_id TEXT NOT NULL,
            identity TEXT NOT NULL,
            role TEXT NOT NULL,
            PRIMARY KEY (doc_id, identity, role)
        );
        CREATE INDEX doc_identities_identity ON doc_identities(identity);
        -- AUTOINCREMENT: a chunk id is never reused, so the FAISS cache can be diffed by id alone.
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            embedding BLOB NOT NULL,
            UNIQUE (doc_id, ordinal)
        );
        CREATE TABLE failures (
            path TEXT NOT NULL,
            locator TEXT NOT NULL DEFAULT '',
            reader TEXT,
            error TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            PRIMARY KEY (path, locator)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO meta (key, value) VALUES ('vector_generation', '0');
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            title, body, author, participants,
            content='documents', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
            INSERT INTO documents_fts(rowid, title, body, author, participants)
            VALUES (new.rowid, new.title, new.body, new.author, new.participants);
        END;
        CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
            INSERT INTO documents_fts(documents_fts, rowid, title, body, author, participants)
            VALUES ('delete', old.rowid, old.title, old.body, old.author, old.participants);
        END;
        CREATE TRIGGER documents_au AFTER UPDATE OF title, body, author, participants ON documents BEGIN
            INSERT INTO documents_fts(documents_fts, rowid, title, body, author, participants)
            VALUES ('delete', old.rowid, old.title, old.body, old.author, old.participants);
            INSERT INTO documents_fts(rowid, title, body, author, participants)
            VALUES (new.rowid, new.title, new.body, new.author, new.participants);
        END;
        -- Any change to chunks bumps the generation that the FAISS cache is checked against.
        CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vector_generation';
        END;
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vector_generation';
        END;
"""
