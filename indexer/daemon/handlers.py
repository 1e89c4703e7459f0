"""The daemon's socket methods: search, model, embed, status and shutdown on the warm model, plus the
methods that plugins register (``register_daemon_methods``: the agent's ``ask``, the runtime's
``generate``). The daemon never imports ``agent/``. Imports stay light (see ``runner``); heavy ones are local."""
from __future__ import annotations

import inspect
import logging
import os
import threading
from typing import Any

from indexer.daemon.changes import ChangeQueue
from indexer.daemon.paths import socket_path
from indexer.daemon.status import DaemonStatus
from indexer.errors import KithError

log = logging.getLogger("kith.daemon")


class SocketMethods:
    """Mixin for ``Daemon``: the handlers its ``DaemonServer`` serves (state set by ``Daemon``)."""

    home: Any
    app: Any
    search_app: Any
    server: Any
    worker: Any
    log_file: Any
    queue: ChangeQueue
    status: DaemonStatus
    stop_event: threading.Event
    reload_event: threading.Event
    search_lock: threading.Lock
    paused: str | None
    sources: dict[str, str | None]
    _shared_app: Any
    _shared_app_lock: threading.Lock
    _plugin_handlers: list[Any]

    def handlers(self) -> dict[str, Any]:
        return {
            "ping": lambda params: {"pong": True, "pid": os.getpid()},
            "status": lambda params: self.snapshot(),
            "search": self.handle_search,
            "model": self.handle_model,
            "embed": self.handle_embed,
            "shutdown": self.handle_shutdown,
            "reload_sources": lambda params: self.reload_event.set() or {"reloading": True},
        }

    def _register_plugin_methods(self, server: Any) -> None:
        """Socket methods from the ``register_daemon_methods`` hook (the agent's ``ask``, the runtime's
        streaming ``generate``). A factory that takes a ``daemon`` parameter gets this daemon (for
        ``shared_app()``)."""
        from kith.plugins import factories

        for name, factory in factories("register_daemon_methods").items():
            if name in server.handlers:
                log.warning("plugin method %r ignored: a built-in method has that name", name)
                continue
            try:
                handler = factory(self.home, daemon=self) if _takes_daemon(factory) else factory(self.home)
            except Exception:  # one plugin's method never stops the daemon
                log.exception("daemon method %r could not be set up", name)
                continue
            self._plugin_handlers.append(handler)
            server.register_handler(name, handler)

    def register_handler(self, method: str, handler: Any) -> None:
        """Add a socket method (e.g. ``ask``) to the running daemon."""
        self.server.register_handler(method, handler)

    # ----------------------------------------------------------- handlers
    def handle_search(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        from indexer.search_service import SearchRequest, run_search

        request = SearchRequest.from_json(params)
        with self.search_lock:
            self.status.searches += 1
            return run_search(self.search_app, request)

    def shared_app(self) -> Any:
        """The app plugin methods (the agent's ``ask``) run on: its own SQLite connection (intents write
        audit rows, forget_document deletes), opened without secure_touch like the search one; model and
        FAISS index shared."""
        from indexer.app import KithApp
        from indexer.store import Store

        with self._shared_app_lock:
            if self._shared_app is None:
                self._shared_app = KithApp(self.home, embedder=self.search_app.embedder,
                                           store=Store.open(self.home, readonly=True), vectors=self.app.vectors)
            return self._shared_app

    def _warm_plugin_methods(self) -> None:
        """Let plugin methods load what they need now (a ``warm()`` attribute), not on the first call."""
        for handler in self._plugin_handlers:
            warm = getattr(handler, "warm", None)
            if warm is None:
                continue
            try:
                warm()
            except Exception:  # a cold first call is the only cost
                log.exception("could not warm up a daemon method")

    def handle_model(self, params: dict[str, Any]) -> dict[str, Any]:
        from indexer.embedder_identity import identity_of

        embedder = self.search_app.embedder
        return {"name": embedder.name, "dimension": embedder.dimension, "identity": identity_of(embedder).to_json()}

    def handle_embed(self, params: dict[str, Any]) -> dict[str, Any]:
        """Vectors for ``texts`` from the warm model (used by `kith ask` and `kith summarize`)."""
        from indexer.daemon.remote_embedder import MAX_TEXTS_PER_CALL, pack_vectors

        texts = params.get("texts")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise KithError("embed: 'texts' must be a list of strings")
        if len(texts) > MAX_TEXTS_PER_CALL:
            raise KithError(f"embed: at most {MAX_TEXTS_PER_CALL} texts per call")
        with self.search_lock:
            return pack_vectors(self.search_app.embedder.encode(texts))

    def handle_shutdown(self, params: dict[str, Any]) -> dict[str, Any]:
        self.stop_event.set()
        return {"stopping": True, "pid": os.getpid()}

    def snapshot(self) -> dict[str, Any]:
        with self.search_lock:
            store = self.search_app.store
            documents = store.document_count()
            failures = store.failure_count()
        return self.status.snapshot(
            queue_length=len(self.queue), paused=self.paused, documents=documents, failures=failures,
            vectors=self.app.vectors.ntotal, sources=[{"path": p, "kind": k} for p, k in self.sources.items()],
            reader_pid=self.worker.pid if self.worker else None, log_file=str(self.log_file),
            socket=str(socket_path(self.home.path)),
        )


def _takes_daemon(factory: Any) -> bool:
    try:
        return "daemon" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
