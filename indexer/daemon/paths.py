"""Where a home's daemon files live: lock, socket, log.

On the `kith search` / `kith ask` hot path (through ``client``), so the socket location is worked out
with ``os.path`` on strings: importing pathlib and typing alone costs ~10 ms of a ~70 ms process here.
"""
from __future__ import annotations

import os

LOCK_NAME = "daemon.lock"
SOCKET_NAME = "daemon.sock"
LOG_NAME = "daemon.log"
MAX_SOCKET_PATH = 100  # sockaddr_un.sun_path is 104-108 bytes depending on the platform


def resolve_home(home: str | os.PathLike[str] | None) -> str:
    """The same resolution as ``KithHome.resolve`` without creating anything or importing the config."""
    chosen = home or os.environ.get("KITH_HOME")
    if not chosen:
        import platformdirs

        chosen = platformdirs.user_data_dir("kith", appauthor=False)
    return os.path.realpath(os.path.expanduser(os.fspath(chosen)))


def socket_file(home: str | os.PathLike[str]) -> str:
    """``<home>/daemon.sock``, or a per-user runtime dir when the home path is too long for a socket."""
    home = os.fspath(home)
    path = os.path.join(home, SOCKET_NAME)
    if len(path) <= MAX_SOCKET_PATH:
        return path
    import hashlib
    import tempfile

    base = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir(), f"kith-{os.getuid()}")
    return os.path.join(base, hashlib.sha1(home.encode()).hexdigest()[:16] + ".sock")


def socket_path(home: os.PathLike[str]) -> "Path":
    from pathlib import Path

    return Path(socket_file(home))


def lock_path(home: "Path") -> "Path":
    return home / LOCK_NAME


def log_path(home: "Path") -> "Path":
    return home / "logs" / LOG_NAME
