"""Finding the files to index: a sorted walk that skips hidden and temp folders, plus each file's
stat and content hash (what decides whether it changed)."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from indexer.hashing import file_sha256  # noqa: F401 - re-exported for callers of this module
from indexer.store import FileState

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "tmp", ".Trash", "node_modules"}


def iter_files(paths: Iterable[str | os.PathLike[str]],
               missing: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Every regular file under ``paths`` (sorted, hidden and temp folders skipped); a path that does
    not exist is passed to ``missing``."""
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        elif missing is not None and not path.exists():
            missing(str(raw))


def stat_file(path: Path) -> FileState:
    info = path.stat()
    return FileState(path=str(path), mtime=info.st_mtime, size=info.st_size)
