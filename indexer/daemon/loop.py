"""The daemon's indexing loop: take operations off the change queue (index, delete, move), pause
on low disk, save the vector cache, and follow the configured sources as they change."""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from indexer.daemon.changes import ChangeQueue, Op
from indexer.daemon.status import DaemonStatus

log = logging.getLogger("kith.daemon")


class IndexLoop:
    """Mixin for ``Daemon``: the single writer thread's loop (state set by ``Daemon``)."""

    home: Any
    app: Any
    config: dict[str, Any]
    budget: Any
    watcher: Any
    worker: Any
    queue: ChangeQueue
    status: DaemonStatus
    stop_event: threading.Event
    reload_event: threading.Event
    paused: str | None
    sources: dict[str, str | None]
    _dirty: bool
    _last_change: float
    _last_save: float
    _attempt_paths: set[str]

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
            self.app.store.clear_read_attempts(path)

    # ------------------------------------------------------------ sources
    def _read_sources(self) -> dict[str, str | None]:
        return self.app.store.sources()

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
