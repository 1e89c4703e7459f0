"""The daemon process: lock, model, socket, watches, catch-up scan, then the indexing loop.

Run it with ``kith daemon start`` (detached) or ``kith daemon start --foreground``; service files
run ``python -m indexer.daemon.runner --home HOME``. Module-level imports are kept light because
the reader child process (``spawn``) re-imports ``__main__``; the heavy parts load in ``run``.

Threads: the main thread is the only writer (indexing, moves, deletes, FAISS saves). Socket
threads serve searches with their own SQLite connection (WAL: readers never wait for the writer)
and share the in-memory FAISS index, whose lock is only held for a batch append or a search.

Settings and logging are in ``config``, the socket methods in ``handlers`` and the indexing loop
in ``loop``; this module starts and stops it all (``Daemon``) and is the ``-m`` entry point.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from indexer.daemon.changes import ChangeQueue
from indexer.daemon.config import DEFAULTS, daemon_config, setup_logging  # noqa: F401  (DEFAULTS re-exported)
from indexer.daemon.handlers import SocketMethods
from indexer.daemon.lock import DaemonAlreadyRunning, DaemonLock
from indexer.daemon.loop import IndexLoop
from indexer.daemon.paths import socket_path
from indexer.daemon.status import DaemonStatus

log = logging.getLogger("kith.daemon")


class Daemon(SocketMethods, IndexLoop):
    """One daemon for one kith home: ``run`` holds the lock, starts everything, runs the loop."""

    def __init__(self, home: str | os.PathLike[str] | None = None, foreground: bool = True) -> None:
        from indexer.home import KithHome

        self.home = KithHome.resolve(home)
        self.config = daemon_config(self.home.config)
        self.foreground = foreground
        self.stop_event = threading.Event()
        self.reload_event = threading.Event()
        self.status = DaemonStatus(str(self.home.path))
        self.queue = ChangeQueue(self.config["debounce"], self.config["min_reindex_interval"],
                                 self.config["max_reindex_interval"])
        self.search_lock = threading.Lock()
        self._shared_app: Any = None
        self._shared_app_lock = threading.Lock()
        self._plugin_handlers: list[Any] = []
        self.sources: dict[str, str | None] = {}
        self.paused: str | None = None
        self._dirty = False
        self._last_change = 0.0
        self._last_save = time.monotonic()
        self._attempt_paths: set[str] = set()

    # --------------------------------------------------------------- setup
    def run(self) -> int:
        lock = DaemonLock(self.home.path)
        lock.acquire()  # raises DaemonAlreadyRunning before anything else happens
        self.log_file = setup_logging(self.home.path, self.foreground)
        if lock.stale_pid:
            log.warning("took over a stale lock left by pid %s", lock.stale_pid)
        server = watcher = worker = None
        try:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, lambda *_: self.stop_event.set())
            server, watcher, worker = self._start()
            self._loop()
            return 0
        except Exception:
            log.exception("the daemon stopped on an unexpected error")
            raise
        finally:
            self.status.set(state="stopping")
            if server is not None:
                server.stop()
            if watcher is not None:
                watcher.stop()
            if worker is not None:
                worker.close()
            if hasattr(self, "app"):
                try:
                    self.app.indexer.save_vectors()
                finally:
                    self.app.close()
                    self.search_app.close()
                    if self._shared_app is not None:
                        self._shared_app.close()
                    for handler in self._plugin_handlers:
                        getattr(handler, "close", lambda: None)()
            log.info("daemon stopped")
            lock.release()

    def _start(self) -> tuple[Any, Any, Any]:
        from indexer.app import KithApp
        from indexer.daemon.scanner import catch_up, recover_interrupted
        from indexer.daemon.server import DaemonServer
        from indexer.daemon.throttle import CpuBudget, lower_priority
        from indexer.daemon.watcher import SourceWatcher
        from indexer.daemon.worker import ReaderWorker
        from indexer.store import Store

        cfg = self.config
        log.info("daemon starting for %s (pid %d): %s", self.home.path, os.getpid(),
                 ", ".join(lower_priority(int(cfg["niceness"]))) or "priority unchanged")
        from kith.plugins import failures, load_plugins

        # plugins (readers among them): detection runs here, reading in the reader child
        load_plugins(self.home.plugin_modules)
        for failure in failures():
            log.warning("%s", failure)
        self.budget = CpuBudget(float(cfg["cpu_budget"]))
        # torch_threads caps the embedding engine's threads (torch, or onnxruntime once exported)
        self.app = KithApp(self.home, embedder_threads=int(cfg["torch_threads"]))
        store = self.app.store
        embedder = self.app.embedder
        started = time.monotonic()
        vectors = self.app.vectors  # loads the cache and reconciles it with SQLite
        chunks = store.chunk_count()
        log.info("vector cache reconciled: %d vectors for %d chunks (%.1f s)", vectors.ntotal, chunks,
                 time.monotonic() - started)
        # Isolated readers report their own crashes; a leftover 'reading' row is then a daemon death.
        recovery = recover_interrupted(store, 0 if cfg["isolate_readers"] else int(cfg["max_read_attempts"]))
        if recovery["retried"] or recovery["failed"]:
            log.warning("interrupted files: %d to retry, %d marked failed", recovery["retried"], recovery["failed"])
        self._attempt_paths = store.attempted_paths()
        # readonly=True: no secure_touch. Opening and closing another fd on kith.db would drop this
        # process's POSIX locks held by the writer connection (including WAL's), a classic SQLite trap.
        # vectors: share the one in-memory FAISS index.
        self.search_app = KithApp(self.home, embedder=embedder, store=Store.open(self.home, readonly=True),
                                  vectors=vectors)
        embedder.encode_query("warm up")  # load the model now, not on the first query
        self.search_app.searcher  # noqa: B018  (build it before serving)

        worker = None
        if cfg["isolate_readers"]:
            worker = ReaderWorker(float(cfg["reader_timeout"]), int(cfg["reader_memory_mb"]), self.home.plugin_modules)
        self.worker = worker
        if worker is not None:
            from indexer.daemon.worker import IsolatedReader

            self.app.indexer.wrap_reader = lambda reader: IsolatedReader(reader, worker)
        server = DaemonServer(socket_path(self.home.path))
        for name, handler in self.handlers().items():
            server.register_handler(name, handler)
        self._register_plugin_methods(server)
        self.server = server
        watcher = SourceWatcher(self.queue, self.home.path)
        watcher.start()
        self.watcher = watcher
        self.sources = self._read_sources()
        for source in self.sources:
            watcher.watch(source)
        queued = catch_up(store, self.queue, list(self.sources))
        log.info("watching %d source(s); catch-up scan queued %d files", len(self.sources), queued)
        server.start()
        threading.Thread(target=self._warm_plugin_methods, name="kith-warm-methods", daemon=True).start()
        self.status.set(state="scanning" if queued else "idle")
        return server, watcher, worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.daemon.runner", description=__doc__.splitlines()[0])
    parser.add_argument("--home", default=None)
    parser.add_argument("--quiet", action="store_true", help="log only to the log file")
    args = parser.parse_args(argv)
    try:
        return Daemon(args.home, foreground=not args.quiet).run()
    except DaemonAlreadyRunning as exc:
        print(f"kith: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
