"""One object that wires a home's store, embedder, vector cache, searcher and indexer lazily.

The CLI, the daemon, the intents and the agent all go through this, so the model is loaded once
per process and only when something actually needs it.
"""
from __future__ import annotations

import os
from functools import cached_property

from indexer.embeddings import CachingEncoder
from indexer.home import KithHome
from indexer.pipeline import Indexer
from indexer.search import SearchConfig, Searcher
from indexer.store import Store
from indexer.vectors import VectorIndex


class KithApp:
    def __init__(self, home: KithHome | str | os.PathLike[str] | None = None,
                 embedder: CachingEncoder | None = None, embedder_threads: int | None = None,
                 store: Store | None = None, vectors: VectorIndex | None = None) -> None:
        """``store`` and ``vectors``, when given, are used instead of opening the home's own (the daemon
        gives its socket threads a read-only connection and shares its one in-memory FAISS index)."""
        from kith.plugins import load_plugins

        self.home = home if isinstance(home, KithHome) else KithHome.resolve(home)
        load_plugins(self.home.plugin_modules)  # built-ins, entry points and this home's [plugins] modules
        self._embedder = embedder
        self._embedder_threads = embedder_threads
        self._embedder_checked = False
        if store is not None:
            self.__dict__["store"] = store      # what the cached properties would have built
        if vectors is not None:
            self.__dict__["vectors"] = vectors

    @cached_property
    def store(self) -> Store:
        return Store.open(self.home)

    @property
    def embedder(self) -> CachingEncoder:
        """The engine of the embedder the index records (after `kith reembed --model NAME`), else the
        configured one (indexer/embedder_choice.py); ONNX without torch once the model is exported."""
        if self._embedder is None:
            from indexer.embedder_choice import home_embedder

            self._embedder = home_embedder(self.home, self.store, self._embedder_threads)
        return self._embedder

    @cached_property
    def vectors(self) -> VectorIndex:
        return VectorIndex.load(self.store)

    @cached_property
    def search_config(self) -> SearchConfig:
        settings = self.home.config.get("search", {})
        fields = SearchConfig.__dataclass_fields__
        return SearchConfig(**{k: v for k, v in settings.items() if k in fields})

    def check_embedder(self) -> None:
        """Raise EmbedderMismatch when the index was embedded with another model (indexer/embedder_identity.py)."""
        if not self._embedder_checked:
            from indexer.embedder_identity import ensure_compatible

            ensure_compatible(self.store, self.embedder)
            self._embedder_checked = True

    @cached_property
    def searcher(self) -> Searcher:
        self.check_embedder()
        return Searcher(self.store, self.embedder, self.vectors, self.search_config)

    @cached_property
    def indexer(self) -> Indexer:
        self.check_embedder()
        return Indexer(self.store, self.embedder, self.vectors)

    def refresh(self) -> bool:
        """Pick up writes made by another process (the daemon); True if the vectors changed."""
        return self.vectors.reconcile(self.store)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
