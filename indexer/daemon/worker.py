"""Reader isolation: readers run in a long-lived child process with a time limit and a memory cap.

Why a child process rather than a watchdog thread: a thread cannot be killed, so a reader stuck in
C code (a decoder loop, a pathological regex) would hang the daemon forever, and a segfault or an
out-of-memory kill would take the whole daemon down. The child is started with ``spawn`` (it does
not inherit torch, FAISS or the daemon's threads), imports only the readers, and caps its address
space with ``RLIMIT_AS``. It streams items back over a pipe in small batches; the pipe's buffer
gives back-pressure, so a huge mbox never sits in memory at once.

The parent enforces an *inactivity* limit: if the child sends nothing (no item, no end marker) for
``item_timeout`` seconds it is killed and the file fails with "reader crashed or hung". Measuring
silence rather than total time lets a 5 GB mbox stream for as long as it keeps producing messages.
A child that dies (segfault, MemoryError it could not report, OOM kill) fails the file the same
way. The next file gets a fresh child.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexer.sources.base import ReadItem

log = logging.getLogger("kith.daemon")

SEND_BATCH = 32
SEND_INTERVAL = 0.2
CRASH_PREFIX = "reader crashed or hung"


class ReaderCrashed(Exception):
    """The reader child died or went silent; the message starts with CRASH_PREFIX."""

    failure_kind = "crash"  # the failures.kind the pipeline records


class ReaderFailed(Exception):
    """The reader raised for the whole file (an ordinary unreadable file)."""


def _child_main(conn: Any, memory_limit_mb: int, modules: Sequence[str]) -> None:
    """Runs in the child: apply the memory cap, load the plugins (readers), serve read requests until told to stop."""
    if memory_limit_mb > 0:
        try:
            import resource

            limit = memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    from indexer.sources.base import all_readers
    from kith.plugins import load_plugins

    load_plugins(modules)  # the same plugins as the daemon: built-ins, entry points, [plugins] modules
    readers = {r.name: r for r in all_readers()}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if request is None:
            return
        reader_name, path = request
        reader = readers.get(reader_name)
        if reader is None:
            conn.send(("error", f"unknown reader {reader_name!r} in the reader process"))
            continue
        batch: list[ReadItem] = []
        last = time.monotonic()
        try:
            for item in reader.read(Path(path)):
                batch.append(item)
                now = time.monotonic()
                if len(batch) >= SEND_BATCH or now - last >= SEND_INTERVAL:
                    conn.send(("items", batch))
                    batch, last = [], now
            if batch:
                conn.send(("items", batch))
            conn.send(("done", None))
        except MemoryError:
            batch = []
            conn.send(("error", f"MemoryError: the reader exceeded the {memory_limit_mb} MB memory limit"))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class ReaderWorker:
    """The parent's handle on the reader child. Not thread-safe: the indexing thread owns it."""

    def __init__(self, item_timeout: float = 60.0, memory_limit_mb: int = 4096,
                 modules: Sequence[str] = ()) -> None:
        self.item_timeout = item_timeout
        self.memory_limit_mb = memory_limit_mb
        self.modules = list(modules)
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        self._discard()
        parent, child = self._ctx.Pipe()
        env_backup = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
        os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
        try:
            self._proc = self._ctx.Process(target=_child_main, args=(child, self.memory_limit_mb, self.modules),
                                           name="kith-reader", daemon=True)
            self._proc.start()
        finally:
            for key, value in env_backup.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        child.close()
        self._conn = parent

    def _discard(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self.restarts += 1
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def read(self, reader_name: str, path: Path) -> Iterator[ReadItem]:
        """Yield the reader's items for ``path``; raise ReaderCrashed / ReaderFailed."""
        self._ensure()
        self._conn.send((reader_name, str(path)))
        finished = False
        try:
            while True:
                if not self._conn.poll(self.item_timeout):
                    raise ReaderCrashed(f"{CRASH_PREFIX}: no output for {self.item_timeout:g} s (killed)")
                try:
                    kind, payload = self._conn.recv()
                except (EOFError, OSError):
                    self._proc.join(1)
                    code = self._proc.exitcode
                    raise ReaderCrashed(f"{CRASH_PREFIX}: the reader process died (exit code {code})") from None
                if kind == "items":
                    yield from payload
                elif kind == "done":
                    finished = True
                    return
                else:
                    finished = True
                    raise ReaderFailed(payload)
        finally:
            if not finished:  # crashed, hung, or the consumer stopped early: the child's state is unknown
                self._discard()

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(2)
            except OSError:
                pass
        self._discard()


class IsolatedReader:
    """Looks like a Reader to the pipeline, but reads through the child process."""

    def __init__(self, reader: Any, worker: ReaderWorker) -> None:
        self.name = reader.name
        self.kind = reader.kind
        self._reader = reader
        self._worker = worker

    def sniff(self, path: Path, head: bytes) -> float:
        return self._reader.sniff(path, head)

    def read(self, path: Path) -> Iterator[ReadItem]:
        return self._worker.read(self.name, path)
