"""Helpers for tests and benchmarks: run a real daemon process, write real mail files, check the index.

Also holds ``CrashingReader``, a real reader plugin used to prove reader isolation: it claims
``*.kithcrash`` (aborts the process) and ``*.kithhang`` (never returns) files. It is registered
through the ``register_readers`` plugin hook, only when a home lists ``bench.daemon_harness`` in
``[plugins] modules``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.daemon.client import DaemonError, DaemonUnavailable, call
from indexer.document import Document
from kith.plugins import hookimpl

TEST_CONFIG = """[daemon]
debounce = 0.2
min_reindex_interval = 1.0
max_reindex_interval = 4.0
cpu_budget = 0
min_free_mb = 0
reader_timeout = {reader_timeout}
save_interval = 5.0
idle_save_delay = 0.3

[plugins]
modules = ["bench.daemon_harness"]
"""


class CrashingReader:
    name = "test.crashing"
    kind = "mail"  # so that it is also used for sources restricted to --kind mail

    def sniff(self, path: Path, head: bytes) -> float:
        return 1.0 if path.suffix in (".kithcrash", ".kithhang") else 0.0

    def read(self, path: Path) -> Iterator[Document]:
        if path.suffix == ".kithcrash":
            os.abort()
        while True:
            time.sleep(3600)


@hookimpl
def register_readers(register: Callable[[Any], Any]) -> None:
    register(CrashingReader())


def make_home(path: Path, reader_timeout: float = 5.0) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    (path / "kith.toml").write_text(TEST_CONFIG.format(reader_timeout=reader_timeout))
    return path


def write_mail(path: Path, subject: str, body: str, message_id: str, sender: str = "alice@example.com",
               when: datetime | None = None) -> Path:
    """Write one RFC 822 message atomically (tmp file + rename, like a Maildir delivery)."""
    when = when or datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)
    text = (f"From: {sender}\nTo: bob@example.com\nSubject: {subject}\nDate: {format_datetime(when)}\n"
            f"Message-ID: <{message_id}>\n\n{body}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.part"
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def mbox_message(subject: str, body: str, message_id: str) -> str:
    return (f"From alice@example.com Mon Jun  3 10:00:00 2024\nFrom: alice@example.com\nTo: bob@example.com\n"
            f"Subject: {subject}\nDate: Mon, 3 Jun 2024 10:00:00 +0000\nMessage-ID: <{message_id}>\n\n{body}\n\n")


class DaemonProcess:
    """``python -m indexer.daemon.runner --home HOME`` as a child process."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = os.environ.copy() | (env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = home / "logs" / "test-daemon.out"

    def start(self, timeout: float = 120.0) -> "DaemonProcess":
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "indexer.daemon.runner", "--home", str(self.home)],
                                         stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                         start_new_session=True)
        wait_for(lambda: self._ready(), timeout, "daemon to answer ping", self.log_tail)
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"daemon exited with {self.proc.returncode}: {self.log_tail()}")
        try:
            call(self.home, "ping", timeout=2)
            return True
        except (DaemonUnavailable, DaemonError):
            return False

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0) -> Any:
        return call(self.home, method, params, timeout=timeout)

    def search(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self.call("search", {"query": query, **params})

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the daemon and its reader child
            self.proc.wait(10)

    def stop(self, timeout: float = 60.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        try:
            self.call("shutdown", timeout=5)
        except (DaemonUnavailable, DaemonError):
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def idle(self, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until the queue is empty and nothing is being read; returns the status."""
        holder: dict[str, Any] = {}

        def check() -> bool:
            status = self.call("status")
            holder["status"] = status
            return status["queue_length"] == 0 and status["state"] == "idle" and not status["current_file"]

        wait_for(check, timeout, "daemon to become idle", lambda: str(holder.get("status")))
        return holder["status"]

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for path in (self.output, self.home / "logs" / "daemon.log"):
            if path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text


def wait_for(predicate: Callable[[], Any], timeout: float, what: str,
             detail: Callable[[], str] | None = None, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}" +
                               (f"\n{detail()}" if detail else ""))
        time.sleep(interval)


def integrity(home: Path) -> dict[str, int]:
    """Counts that must agree after any crash: documents, FTS rows, chunks, duplicate ids, vectors."""
    import json

    from indexer.store import Store

    store = Store.open(home, readonly=True)  # its own connection, outside the daemon; never migrates
    try:
        counts = store.integrity_counts()
    finally:
        store.close()
    sidecar = home / "vectors.json"
    counts["faiss_ntotal"] = json.loads(sidecar.read_text())["ntotal"] if sidecar.exists() else -1
    return counts
