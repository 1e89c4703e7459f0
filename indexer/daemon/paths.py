"""Where a home's daemon files live: lock, socket, log. Standard library only (used by the light client)."""
from __future__ import annotations

import os
from pathlib import Path

LOCK_NAME = "daemon.lock"
SOCKET_NAME = "daemon.sock"
LOG_NAME = "daemon.log"
MAX_SOCKET_PATH = 100  # sockaddr_un.sun_path is 104-108 bytes depending on the platform


def resolve_home_path(home: str | os.PathLike[str] | None) -> Path:
    """The same resolution as ``KithHome.resolve`` without creating anything or importing the config."""
    chosen = home or os.environ.get("KITH_HOME")
    if not chosen:
        import platformdirs

        chosen = platformdirs.user_data_dir("kith", appauthor=False)
    return Path(chosen).expanduser().resolve()


def lock_path(home: Path) -> Path:
    return home / LOCK_NAME


def log_path(home: Path) -> Path:
    return home / "logs" / LOG_NAME


def socket_path(home: Path) -> Path:
    """``<home>/daemon.sock``, or a per-user runtime dir when the home path is too long for a socket."""
    path = home / SOCKET_NAME
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    import hashlib
    import tempfile

    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"kith-{os.getuid()}"
    digest = hashlib.sha1(str(home).encode()).hexdigest()[:16]
    return base / f"{digest}.sock"
