"""The daemon process: lock, model, socket, watches, catch-up scan, then the indexing loop.

Run it with ``kith daemon start`` (detached) or ``kith daemon start --foreground``; service files
run ``python -m indexer.daemon.runner --home HOME``. Module-level imports are kept light because
the reader child process (``spawn``) re-imports ``__main__``; the heavy parts load in ``run``.

Threads: the main thread is the only writer (indexing, moves, deletes, FAISS saves). Socket
threads serve searches with their own SQLite connection (WAL: readers never wait for the writer)
and share the in-memory FAISS index, whose lock is only held for a batch append or a search.
"""
from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from indexer.daemon.changes import ChangeQueue, Op
from indexer.daemon.lock import DaemonAlreadyRunning, DaemonLock
from indexer.daemon.paths import log_path, socket_path
from indexer.daemon.status import DaemonStatus
from indexer.errors import KithError

log = logging.getLogger("kith.daemon")

DEFAULTS: dict[str, Any] = {
    "debounce": 0.5,               # seconds of quiet before a changed file is read
    "min_reindex_interval": 5.0,   # a file that keeps changing is re-read at most this often...
    "max_reindex_interval": 60.0,  # ...backing off up to this
    "reader_timeout": 60.0,        # seconds a reader may stay silent before it is killed
    "reader_memory_mb": 4096,      # RLIMIT_AS of the reader process
    "isolate_readers": True,
    "cpu_budget": 1.0,             # cores (daemon + reader child); 0 = unlimited
    "torch_threads": 1,
    "niceness": 10,
    "min_free_mb": 500,            # pause indexing below this much free disk space
    "max_read_attempts": 2,        # without isolation: daemon deaths on one unchanged file before it is skipped
    "save_interval": 30.0,         # seconds between FAISS cache saves while busy
    "idle_save_delay": 1.0,        # save this long after the last change once idle
}


def daemon_config(home_config: dict[str, Any]) -> dict[str, Any]:
    settings = home_config.get("daemon", {}) if isinstance(home_config, dict) else {}
    return DEFAULTS | {k: v for k, v in settings.items() if k in DEFAULTS}


def setup_logging(home: Path, foreground: bool) -> Path:
    from indexer.home import secure_touch

    path = secure_touch(log_path(home))
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    if foreground:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("kith daemon: %(levelname)s %(message)s"))
        log.addHandler(stream)
    log.setLevel(logging.INFO)
    log.propagate = False
    return path


class Daemon:
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
        self.ask_lock = threading.Lock()
        self._ask_app: Any = None
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
                    if self._ask_app is not None:
                        self._ask_app.close()
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
        chunks = store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        log.info("vector cache reconciled: %d vectors for %d chunks (%.1f s)", vectors.ntotal, chunks,
                 time.monotonic() - started)
        # Isolated readers report their own crashes; a leftover 'reading' row is then a daemon death.
        recovery = recover_interrupted(store, 0 if cfg["isolate_readers"] else int(cfg["max_read_attempts"]))
        if recovery["retried"] or recovery["failed"]:
            log.warning("interrupted files: %d to retry, %d marked failed", recovery["retried"], recovery["failed"])
        self._attempt_paths = {r[0] for r in store.db.execute("SELECT path FROM daemon_attempts")}
        self.search_app = KithApp(self.home, embedder=embedder)
        # readonly=True: no secure_touch. Opening and closing another fd on kith.db would drop this
        # process's POSIX locks held by the writer connection (including WAL's), a classic SQLite trap.
        self.search_app.__dict__["store"] = Store.open(self.home, readonly=True)
        self.search_app.__dict__["vectors"] = vectors  # share the one in-memory FAISS index
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
        threading.Thread(target=self._warm_ask, name="kith-warm-ask", daemon=True).start()
        self.status.set(state="scanning" if queued else "idle")
        return server, watcher, worker

    def handlers(self) -> dict[str, Any]:
        return {
            "ping": lambda params: {"pong": True, "pid": os.getpid()},
            "status": lambda params: self.snapshot(),
            "search": self.handle_search,
            "ask": self.handle_ask,
            "model": self.handle_model,
            "embed": self.handle_embed,
            "shutdown": self.handle_shutdown,
            "reload_sources": lambda params: self.reload_event.set() or {"reloading": True},
        }

    def _register_plugin_methods(self, server: Any) -> None:
        """Socket methods from the ``register_daemon_methods`` hook (e.g. the runtime's streaming ``generate``)."""
        from kith.plugins import factories

        for name, factory in factories("register_daemon_methods").items():
            if name in server.handlers:
                log.warning("plugin method %r ignored: a built-in method has that name", name)
                continue
            try:
                handler = factory(self.home)
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
        from indexer.query_service import SearchRequest, run_search

        request = SearchRequest.from_json(params)
        with self.search_lock:
            self.status.searches += 1
            return run_search(self.search_app, request)

    def handle_ask(self, params: dict[str, Any]) -> dict[str, Any]:
        """`kith ask` with the warm model; side effects only for calls the request says were approved."""
        from agent.service import AskRequest, run_ask

        request = AskRequest.from_json(params)
        with self.ask_lock:
            answer = run_ask(self.ask_app(), request)
        answer["engine"]["embeddings"] = "daemon"
        return answer

    def ask_app(self) -> Any:
        """The app `ask` runs on: its own SQLite connection (intents write audit rows, forget_document
        deletes), opened without secure_touch like the search one; model and FAISS index shared."""
        from indexer.app import KithApp
        from indexer.store import Store

        if self._ask_app is None:
            self._ask_app = KithApp(self.home, embedder=self.search_app.embedder)
            self._ask_app.__dict__["store"] = Store.open(self.home, readonly=True)
            self._ask_app.__dict__["vectors"] = self.app.vectors
        return self._ask_app

    def _warm_ask(self) -> None:
        """Load the planner, its date parser and the intent phrases now, not on the first question.
        Only plans (nothing is retrieved, called or audited)."""
        try:
            from agent.runner import Agent

            with self.ask_lock:
                agent = Agent(self.ask_app())
                agent.planner.plan("when is my next meeting tomorrow?", agent.context())
        except Exception:  # a cold first `ask` is the only cost
            log.exception("could not warm up `ask`")

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
            documents = store.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            failures = store.db.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
        return self.status.snapshot(
            queue_length=len(self.queue), paused=self.paused, documents=documents, failures=failures,
            vectors=self.app.vectors.ntotal, sources=[{"path": p, "kind": k} for p, k in self.sources.items()],
            reader_pid=self.worker.pid if self.worker else None, log_file=str(self.log_file),
            socket=str(socket_path(self.home.path)),
        )

    # --------------------------------------------------------------- loop
    def _loop(self) -> None:
        from indexer.daemon.throttle import free_disk_mb

        while not self.stop_event.is_set():
            if self.reload_event.is_set():
                self.reload_event.clear()
                self._reload_sources()
            free = free_disk_mb(self.home.path)
            if free < float(self.config["min_free_mb"]):
                if not self.paused:
                    log.warning("pausing: only %.0f MB free on the index disk", free)
                self.paused = f"low disk space ({free:.0f} MB free)"
                self.status.set(state="paused")
                self.stop_event.wait(5)
                continue
            self.paused = None
            op = self.queue.get(timeout=0.5)
            if op is None:
                self._idle()
                continue
            self.status.set(state="indexing" if op.live or op.action != "index" else "scanning")
            try:
                self._handle(op)
            except Exception as exc:  # one bad operation must not stop the daemon
                log.exception("failed to process %s %s", op.action, op.path)
                self.status.error(op.path, f"{type(exc).__name__}: {exc}")
            finally:
                self.status.set(current_file=None)
            if self._dirty and time.monotonic() - self._last_save > float(self.config["save_interval"]):
                self._save()
            self.budget.pace()

    def _idle(self) -> None:
        self.status.set(state="idle")
        store, vectors = self.app.store, self.app.vectors
        try:
            if self.app.home.reload_config():  # kith.toml edited while the daemon runs
                from indexer.owner import ensure_people_current

                if ensure_people_current(store):
                    log.info("owner configuration changed: people rebuilt")
        except Exception as exc:  # a broken kith.toml must not stop the daemon
            log.warning("kith.toml: %s", exc)
        if self._dirty and time.monotonic() - self._last_change >= float(self.config["idle_save_delay"]):
            self._save()
        elif not self._dirty and store.vector_generation() != vectors.generation:
            if vectors.reconcile(store):  # another process (kith index, kith forget) wrote to the index
                log.info("picked up external changes: %d vectors", vectors.ntotal)
                self._save()

    def _save(self) -> None:
        self.app.indexer.save_vectors()
        self._dirty = False
        self._last_save = time.monotonic()

    def _handle(self, op: Op) -> None:
        if op.action == "delete":
            self._remove(op.path)
        elif op.action == "move":
            self._move(op.path, op.dest or "")
        else:
            self._index(op.path)

    def _changed(self) -> None:
        self._dirty = True
        self._last_change = time.monotonic()

    def _remove(self, path: str) -> None:
        report = self.app.indexer.remove_path(path)  # rebuilds documents that a copy still holds
        if report.docs_removed or report.docs_updated or report.docs_added or report.files_rebuilt:
            self._changed()
            self.status.committed(report.docs_removed + report.docs_updated)
            log.info("removed %s (%d documents, %d rebuilt from a copy)", path, report.docs_removed,
                     report.docs_updated)

    def _move(self, src: str, dest: str) -> None:
        if self._source_for(dest) is None:
            self._remove(src)
            return
        moved = self.app.store.move_path(src, dest)
        if moved:
            log.info("moved %s -> %s (%d files, no re-reading)", src, dest, moved)
            self.status.committed(0)
        self._index(dest)  # a cheap stat check when nothing changed; a read when it was new to us

    def _index(self, path: str) -> None:
        from indexer.daemon.worker import IsolatedReader
        from indexer.pipeline import IndexReport, iter_files, stat_file
        from indexer.sources.base import detect

        file = Path(path)
        if not os.path.lexists(path):
            self._remove(path)
            return
        if file.is_dir():
            self.queue.backlog(str(p) for p in iter_files([file]))
            return
        source = self._source_for(path)
        if source is None or not file.is_file():
            return
        indexer = self.app.indexer
        try:
            if not indexer.needs_indexing(stat_file(file)):
                return
        except OSError as exc:
            self.status.error(path, f"cannot read: {exc.strerror or exc}")
            return
        kind = self.sources.get(source)
        reader = detect(file, kind)
        if reader is not None and self.worker is not None:
            reader = IsolatedReader(reader, self.worker)
        # (no reader: index_file records the file as skipped, or as failed if a reader claims its name)
        self.status.set(current_file=path)
        report = IndexReport()
        indexer.index_file(file, report, kind=kind, force=True, reader=reader)
        self.queue.done(path)
        self._changed()
        docs = report.docs_added + report.docs_updated + report.docs_removed
        self.status.committed(docs)
        if report.errors:
            for failed_path, error in report.errors:
                log.warning("failed %s: %s", failed_path, error)
                self.status.error(failed_path, error)
        if path in self._attempt_paths:
            self._attempt_paths.discard(path)
            with self.app.store.db.conn:
                self.app.store.db.execute("DELETE FROM daemon_attempts WHERE path = ?", [path])

    # ------------------------------------------------------------ sources
    def _read_sources(self) -> dict[str, str | None]:
        rows = self.app.store.db.execute("SELECT path, kind FROM sources ORDER BY path").fetchall()
        return {path: kind for path, kind in rows}

    def _source_for(self, path: str) -> str | None:
        best = None
        for source in self.sources:
            if path == source or path.startswith(source.rstrip("/") + "/"):
                if best is None or len(source) > len(best):
                    best = source
        return best

    def _reload_sources(self) -> None:
        from indexer.daemon.scanner import catch_up

        current = self._read_sources()
        added = [s for s in current if s not in self.sources]
        removed = [s for s in self.sources if s not in current]
        self.sources = current
        for source in removed:
            self.watcher.unwatch(source)
            self.queue.clear_backlog_under(source)
            if self._source_for(source) is None:
                self._remove(source)
            log.info("stopped watching %s", source)
        for source in added:
            self.watcher.watch(source)
            log.info("watching new source %s", source)
        if added:
            catch_up(self.app.store, self.queue, added)


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
