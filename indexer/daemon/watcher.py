"""Live change detection with watchdog: one recursive watch per source, events fed to the ChangeQueue.

Only events that mean "content changed" count: created, modified, closed-after-write, deleted and
moved. Open and close-without-write events (our own reader opening a file) are ignored, as are
hidden files, skipped folders (``tmp/`` of a Maildir, ``.git``...) and anything inside the kith home.
"""
from __future__ import annotations

import logging
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from indexer.daemon.changes import ChangeQueue
from indexer.pipeline import SKIP_DIRS

log = logging.getLogger("kith.daemon")

CHANGE_EVENTS = {"created", "modified", "closed"}


def ignored(path: str, root: str, home: str) -> bool:
    """True for paths the indexer never reads (same rules as ``pipeline.iter_files``)."""
    if path == home or path.startswith(home.rstrip("/") + "/"):
        return True
    rel = path[len(root):].lstrip("/") if path.startswith(root) else path
    return any(part in SKIP_DIRS or part.startswith(".") for part in Path(rel).parts)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "SourceWatcher", root: str) -> None:
        self.watcher = watcher
        self.root = root

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        src = _text(event.src_path)
        queue, home = self.watcher.queue, self.watcher.home
        if kind == "moved":
            dest = _text(event.dest_path)
            src_ok, dest_ok = not ignored(src, self.root, home), not ignored(dest, self.root, home)
            if src_ok and dest_ok:
                queue.moved(src, dest)
            elif src_ok:
                queue.deleted(src)
            elif dest_ok:
                queue.changed(dest)
            return
        if ignored(src, self.root, home):
            return
        if kind == "deleted":
            queue.deleted(src)
        elif kind in CHANGE_EVENTS and (not event.is_directory or kind == "created"):
            queue.changed(src)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class SourceWatcher:
    """Keeps one watchdog watch per source directory (or per parent folder of a single-file source)."""

    def __init__(self, queue: ChangeQueue, home: Path) -> None:
        self.queue = queue
        self.home = str(home)
        self.observer = Observer()
        self.watches: dict[str, object] = {}

    def start(self) -> None:
        self.observer.start()

    def watch(self, source: str) -> None:
        if source in self.watches:
            return
        path = Path(source)
        if path.is_dir():
            target, recursive, root = path, True, str(path)
        elif path.exists():
            target, recursive, root = path.parent, False, str(path.parent)
        else:
            log.warning("source %s does not exist; not watching it", source)
            return
        handler: FileSystemEventHandler = _Handler(self, root)
        if not path.is_dir():
            handler = _SingleFile(handler, source)
        try:
            self.watches[source] = self.observer.schedule(handler, str(target), recursive=recursive)
        except OSError as exc:
            log.error("cannot watch %s: %s (raise fs.inotify.max_user_watches?)", source, exc)

    def unwatch(self, source: str) -> None:
        watch = self.watches.pop(source, None)
        if watch is not None:
            self.observer.unschedule(watch)

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(5)


class _SingleFile(FileSystemEventHandler):
    """Forwards only the events about one file (a source that is a single mbox, say)."""

    def __init__(self, inner: _Handler, path: str) -> None:
        self.inner = inner
        self.path = path

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = {_text(event.src_path), _text(getattr(event, "dest_path", "") or "")}
        if self.path in paths:
            self.inner.on_any_event(event)
