"""One object that wires a home's store, embedder, vector cache, searcher and indexer lazily.

The CLI, the daemon, the intents and the agent all go through this, so the model is loaded once
per process and only when something actually needs it.
"""
from __future__ import annotations

import os
from functools import cached_property

from indexer.embeddings import Embedder
from indexer.home import KithHome
from indexer.pipeline import Indexer
from indexer.search import SearchConfig, Searcher
from indexer.store import Store
from indexer.vectors import VectorIndex


class KithApp:
    def __init__(self, home: KithHome | str | os.PathLike[str] | None = None,
                 embedder: Embedder | None = None) -> None:
        self.home = home if isinstance(home, KithHome) else KithHome.resolve(home)
        self._embedder = embedder

    @cached_property
    def store(self) -> Store:
        return Store.open(self.home)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder()
        return self._embedder

    @cached_property
    def vectors(self) -> VectorIndex:
        return VectorIndex.load(self.store)

    @cached_property
    def search_config(self) -> SearchConfig:
        settings = self.home.config.get("search", {})
        fields = SearchConfig.__dataclass_fields__
        return SearchConfig(**{k: v for k, v in settings.items() if k in fields})

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher(self.store, self.embedder, self.vectors, self.search_config)

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(self.store, self.embedder, self.vectors)

    def refresh(self) -> bool:
        """Pick up writes made by another process (the daemon); True if the vectors changed."""
        return self.vectors.reconcile(self.store)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
