"""The kith home directory: where the database, vector cache, config and logs live (0700, files 0600)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from indexer.errors import KithError

CONFIG_NAME = "kith.toml"


class HomeError(KithError):
    """The home directory cannot be created or read."""

    code = "home"


@dataclass
class KithHome:
    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    config_stamp: tuple[int, int] | None = None  # (mtime_ns, size) of kith.toml when it was read

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> "KithHome":
        """--home, then $KITH_HOME, then the platform's user data dir."""
        chosen = home or os.environ.get("KITH_HOME") or platformdirs.user_data_dir("kith", appauthor=False)
        path = Path(chosen).expanduser().resolve()
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path, 0o700)
        except OSError as exc:
            raise HomeError(f"cannot create home directory {path}: {exc.strerror or exc}") from exc
        return cls(path=path, config=load_config(path / CONFIG_NAME), config_stamp=_stamp(path / CONFIG_NAME))

    def reload_config(self) -> bool:
        """Read kith.toml again if it changed since it was read (a long-running daemon); True if so."""
        stamp = _stamp(self.path / CONFIG_NAME)
        if stamp == self.config_stamp:
            return False
        self.config = load_config(self.path / CONFIG_NAME)
        self.config_stamp = stamp
        return True

    @property
    def db_path(self) -> Path:
        return self.path / "kith.db"

    @property
    def vectors_path(self) -> Path:
        return self.path / "vectors.faiss"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    @property
    def plugin_modules(self) -> list[str]:
        """Local plugin modules from ``[plugins] modules`` (``[daemon] reader_modules``, its old name,
        still counts)."""
        modules: list[str] = []
        for section, key in (("plugins", "modules"), ("daemon", "reader_modules")):
            table = self.config.get(section)
            if isinstance(table, dict) and isinstance(table.get(key), list):
                modules += [str(m) for m in table[key] if str(m) not in modules]
        return modules

    def file(self, name: str) -> Path:
        """A path inside the home; callers create it with ``secure_touch``."""
        return self.path / name


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def load_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HomeError(f"cannot read {path}: {exc}") from exc


def secure_touch(path: Path) -> Path:
    """Create ``path`` if needed and make it readable by the owner only.

    An existing file is never opened: closing any descriptor of a SQLite database would silently
    drop the POSIX locks this process holds on it through another connection.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        os.close(fd)
    if path.stat().st_mode & 0o777 != 0o600:
        os.chmod(path, 0o600)
    return path
