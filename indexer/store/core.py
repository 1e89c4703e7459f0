"""Opening (and migrating) ``kith.db``: the ``Store`` class, composed from this package's mixins,
one job each (reads, writes, locations, failures, re-embedding, egress, people)."""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from indexer.errors import StoreError
from indexer.home import KithHome, secure_touch
from indexer.migrations import apply_migrations
from indexer.store.egress import EgressRecords
from indexer.store.failures import FailureRecords
from indexer.store.intents import IntentRecords
from indexer.store.locations import Locations
from indexer.store.lookups import DocumentLookups
from indexer.store.people import PeopleQueries
from indexer.store.reads import DocumentReads
from indexer.store.reembed import Reembedding
from indexer.store.retrieval import RetrievalQueries
from indexer.store.sources import SourceRecords
from indexer.store.writes import DocumentWrites


class Store(DocumentReads, DocumentWrites, Locations, FailureRecords, Reembedding, EgressRecords, PeopleQueries,
            SourceRecords, RetrievalQueries, DocumentLookups, IntentRecords):
    """Opens (and migrates) ``kith.db`` in a home directory."""

    def __init__(self, home: KithHome | None, db: sqlite_utils.Database) -> None:
        self.home = home
        self.db = db
        self._embedder_identity: str | None = None  # JSON recorded with the first vector written

    def expect_embedder(self, identity: Any) -> None:
        """Record ``identity`` (an EmbedderIdentity) in ``meta`` with the first vector this store writes."""
        self._embedder_identity = json.dumps(identity.to_json())

    @classmethod
    def open(cls, home: KithHome | str | os.PathLike[str] | None = None, readonly: bool = False) -> "Store":
        home = home if isinstance(home, KithHome) else KithHome.resolve(home)
        path = home.db_path
        try:
            if not readonly:
                secure_touch(path)
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=OFF")
            db.execute("PRAGMA busy_timeout=30000")
            if not readonly:
                apply_migrations(db)
            for suffix in ("-wal", "-shm"):
                extra = Path(str(path) + suffix)
                if extra.exists():
                    os.chmod(extra, 0o600)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open index database {path}: {exc}") from exc
        store = cls(home, db)
        if not readonly:
            from indexer.owner import ensure_people_current

            ensure_people_current(store)  # [owner] in kith.toml added or edited since people were built
        return store

    @classmethod
    def wrap(cls, db: sqlite_utils.Database) -> "Store":
        """A store over a database that is already open and migrated (no home of its own)."""
        return cls(None, db)

    @classmethod
    def in_memory(cls) -> "Store":
        """A throwaway migrated store in memory (an intents registry without a home)."""
        db = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
        apply_migrations(db)
        return cls(None, db)

    def transaction(self) -> sqlite3.Connection:
        """``with store.transaction():`` groups the non-committing writes (``commit=False``, the
        people rebuild's) into one transaction: committed on success, rolled back on an error."""
        return self.db.conn

    def close(self) -> None:
        self.db.conn.close()
