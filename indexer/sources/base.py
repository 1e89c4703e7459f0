"""The interface every source reader implements, and the registry that picks a reader for a file."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from indexer.document import Document, ReadFailure

ReadItem = Document | ReadFailure
HEAD_BYTES = 4096


@runtime_checkable
class Reader(Protocol):
    """A reader for one file format.

    ``name`` is a dotted id such as ``mail.mbox`` shown in ``kith status``.
    Optional ``extensions`` (".jpg") and ``filenames`` ("chat.db") claim files by name: such a file
    that no reader's ``sniff`` accepts is recorded as a failure with a reason, not silently skipped.
    ``sniff`` looks at the path and the first bytes of the file and returns a confidence in [0, 1]
    (0 = not mine). ``read`` yields Documents and ReadFailures; it may raise for a file it cannot
    open at all, and the pipeline records that as a failure for the whole file.
    """

    name: str
    kind: str

    def sniff(self, path: Path, head: bytes) -> float: ...

    def read(self, path: Path) -> Iterator[ReadItem]: ...


class _ReaderRegistry:
    """The readers: those registered through the ``register_readers`` hook (built-ins first), then
    any registered directly with ``register``; the first of a name wins. Iterating it collects the
    hook, so ``_READERS`` always shows every reader."""

    def __init__(self) -> None:
        self.direct: list[Reader] = []

    def append(self, reader: Reader) -> None:
        self.direct.append(reader)

    def __iter__(self) -> Iterator[Reader]:
        return iter(all_readers())


_READERS = _ReaderRegistry()


def register(reader: Reader) -> Reader:
    """Add a reader directly (idempotent by name). Plugins use the ``register_readers`` hook instead."""
    if not any(r.name == reader.name for r in _READERS.direct):
        _READERS.append(reader)
    return reader


def all_readers() -> list[Reader]:
    """Every reader registered through the ``register_readers`` hook (built-ins first), then any
    registered directly; the first of a name wins."""
    from kith.plugins import collect

    readers: dict[str, Reader] = {}
    for _, args, _ in collect("register_readers"):
        readers.setdefault(args[0].name, args[0])
    for reader in _READERS.direct:
        readers.setdefault(reader.name, reader)
    return list(readers.values())


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def head_text(head: bytes) -> str:
    """The first bytes of a file as text for sniffing: UTF-16 (by BOM) or UTF-8, BOM and leading blanks
    removed, a cut-off last character ignored."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) - len(head) % 2].decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    return text.lstrip("\ufeff \t\r\n")


def sniff_begin_block(path: Path, head: bytes, marker: str, extensions: set[str] | frozenset[str]) -> float:
    """Score a vCard/iCalendar-style file: ``BEGIN:<marker>`` at the top, or a known extension."""
    starts = head_text(head).upper().startswith(f"BEGIN:{marker}")
    if path.suffix.lower() in extensions:
        return 1.0 if starts else 0.6
    return 0.9 if starts else 0.0


def claimed_by(path: Path, kind: str | None = None) -> Reader | None:
    """The reader whose ``extensions`` or ``filenames`` claim ``path`` by its name (optionally of ``kind``)."""
    suffix, name = path.suffix.lower(), path.name.lower()
    for reader in all_readers():
        if kind and reader.kind != kind and not reader.name.startswith(kind):
            continue
        if suffix in getattr(reader, "extensions", ()) or name in getattr(reader, "filenames", ()):
            return reader
    return None


def detect(path: Path, kind: str | None = None) -> Reader | None:
    """Pick the reader with the highest sniff confidence for ``path`` (optionally only of ``kind``)."""
    try:
        head = read_head(path)
    except OSError:
        return None
    best: tuple[float, Reader | None] = (0.0, None)
    for reader in all_readers():
        if kind and reader.kind != kind and not reader.name.startswith(kind):
            continue
        try:
            score = reader.sniff(path, head)
        except Exception:  # a sniff must never take the scan down
            score = 0.0
        if score > best[0]:
            best = (score, reader)
    return best[1]
