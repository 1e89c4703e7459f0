"""Helpers shared by the message-reader tests: skip on a missing corpus, split a read, list messages."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources.base import Reader


def need_corpus(path: Path) -> Path:
    """Return `path`, or skip the test when that corpus file is not available."""
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def read_items(reader: Reader, path: Path) -> tuple[list[Document], list[ReadFailure]]:
    """Read `path` with `reader` and split the items into documents and failures."""
    items = list(reader.read(path))
    return ([i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, ReadFailure)])


def all_messages(docs: list[Document]) -> list[dict]:
    """The per-message metadata of every window, in order."""
    return [m for d in docs for m in d.metadata["messages"]]


def assert_empty_file_fails(reader: Reader, path: Path, reason: str) -> None:
    """An empty file is never claimed by sniffing, and reading it anyway gives one failure with ``reason``."""
    path.write_bytes(b"")
    assert reader.sniff(path, b"") == 0.0
    docs, failures = read_items(reader, path)
    assert docs == [] and reason in failures[0].error, failures
