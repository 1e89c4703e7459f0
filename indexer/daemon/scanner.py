"""The start-up catch-up scan and crash recovery, run before live events are processed.

* Files still marked ``reading`` were being read when the daemon last stopped. With reader
  isolation (the default) readers run in a child process, so a reader crash or hang is caught and
  recorded when it happens; a ``reading`` row therefore means the *daemon* died mid-file (kill -9,
  power loss) and the file is simply retried (``max_attempts=0``): marking it failed would lose
  documents after an unrelated kill. Without isolation the reader ran in the daemon itself, so the
  Tracker/Baloo rule applies: after ``max_attempts`` deaths on the same unchanged file it is marked
  failed ("reader crashed or hung") and skipped until it changes.
* Every file under every source is queued; ``Indexer.needs_indexing`` then skips the unchanged
  ones by mtime and size, or by hash when only the mtime moved.
* Files in the database that no longer exist on disk were deleted while the daemon was down:
  their documents are removed.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from indexer.daemon.changes import ChangeQueue
from indexer.daemon.worker import CRASH_PREFIX
from indexer.pipeline import iter_files, stat_file
from indexer.store import Store

log = logging.getLogger("kith.daemon")


def recover_interrupted(store: Store, max_attempts: int) -> dict[str, int]:
    """Deal with files left in status 'reading'. Returns counts of retried and failed files."""
    rows = store.files_being_read()
    retried = failed = 0
    for path, reader, mtime, size in rows:
        try:
            state = stat_file(Path(path))
        except OSError:
            continue  # gone: the deletion pass removes it
        if state.mtime != mtime or state.size != size:
            retried += 1
            continue  # it changed: read it again as a new version
        attempts = store.read_attempts(path) + 1
        if max_attempts and attempts >= max_attempts:
            log.warning("%s: the daemon stopped %d times while reading it; skipping until it changes",
                        path, attempts)
            store.mark_failed(state, reader, f"{CRASH_PREFIX}: the daemon stopped {attempts} times while "
                                             "reading this file; skipped until it changes", kind="interrupted")
            store.clear_read_attempts(path)
            failed += 1
        else:
            store.set_read_attempts(path, attempts)
            retried += 1
    return {"retried": retried, "failed": failed}


def missing_files(store: Store, source: str) -> Iterator[str]:
    """Paths recorded under ``source`` that no longer exist."""
    for path in store.file_paths_under(source):
        if not os.path.lexists(path):
            yield path


def catch_up(store: Store, queue: ChangeQueue, sources: list[str]) -> int:
    """Queue deletions of vanished files and a check of every existing file. Returns files queued."""
    queued = 0
    for source in sources:
        if not os.path.exists(source):
            log.warning("source %s does not exist (unmounted?); its documents are kept", source)
            continue
        for path in missing_files(store, source):
            queue.deleted(path)
        paths = [str(p) for p in iter_files([source])]
        queue.backlog(paths)
        queued += len(paths)
        store.mark_source_scanned(source)
    return queued
