"""What an indexing run did (``IndexReport``, counted per file and per document) and the progress
callback's type."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.store import ChangeSet


@dataclass
class IndexReport:
    """What one run did. A file is counted once: indexed (``files_partial`` of them with some bad
    items), unchanged, failed (nothing in it could be read), or skipped (not a known format)."""

    files_seen: int = 0
    files_indexed: int = 0
    files_partial: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    docs_added: int = 0
    docs_updated: int = 0
    docs_unchanged: int = 0
    docs_removed: int = 0
    files_rebuilt: int = 0
    item_failures: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    missing_paths: list[str] = field(default_factory=list)

    def absorb(self, changes: ChangeSet) -> None:
        self.docs_added += changes.docs_added
        self.docs_updated += changes.docs_updated
        self.docs_unchanged += changes.docs_unchanged
        self.docs_removed += changes.docs_removed

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {
            "errors": [{"path": p, "error": e} for p, e in self.errors[:50]]
        }


ProgressFn = Callable[[str, int, int], None]  # (path, done, total)
