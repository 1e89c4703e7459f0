"""One daemon per home: an flock'ed lock file holding the PID.

The kernel releases an ``flock`` when its process dies (even after ``kill -9``), so a lock file
whose lock can be taken is stale by definition; its old PID is reported in a warning and the file
is taken over. A lock held by a live process refuses the second daemon with a clear message.
"""
from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from indexer.errors import KithError

from indexer.daemon.paths import lock_path

log = logging.getLogger("kith.daemon")


class DaemonAlreadyRunning(KithError):
    """Another daemon holds the lock for this home."""

    code = "daemon_running"


class DaemonLock:
    def __init__(self, home: Path) -> None:
        self.path = lock_path(home)
        self.home = home
        self._fd: int | None = None
        self.stale_pid: int | None = None

    def acquire(self) -> "DaemonLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid_fd(fd)
            os.close(fd)
            raise DaemonAlreadyRunning(
                f"a kith daemon is already running for {self.home} (pid {pid or '?'}); "
                "stop it with `kith daemon stop`") from None
        old = _read_pid_fd(fd)
        if old and old != os.getpid():
            self.stale_pid = old
            log.warning("taking over a stale daemon lock left by pid %s (that process is gone)", old)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "DaemonLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid_fd(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def running_pid(home: Path) -> int | None:
    """The PID of the live daemon for ``home``, or None (checks the flock, not just the file)."""
    path = lock_path(home)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid_fd(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
