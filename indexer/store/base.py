"""What every part of the store shares: the home, the open database and the embedder identity to
record with the first vector written (the mixins in this package all build on it)."""
from __future__ import annotations

import sqlite_utils

from indexer.home import KithHome


class StoreBase:
    """The state the store's mixins work on; ``indexer.store.core.Store`` sets it."""

    home: KithHome
    db: sqlite_utils.Database
    _embedder_identity: str | None
