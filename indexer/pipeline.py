"""Index files: walk paths, detect each file's reader, read, chunk, embed, and store per file.

Like notmuch, each file is added atomically; an unchanged file (same size and mtime, or same
hash) does no work. Large streamed files (mbox) are committed in batches of documents.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.chunking import chunk_text
from indexer.document import Document, ReadFailure
from indexer.embeddings import Embedder
from indexer.sources.base import Reader, detect
from indexer.store import ChangeSet, FileState, PreparedDocument, Store
from indexer.vectors import VectorIndex

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "tmp", ".Trash", "node_modules"}
STREAM_BATCH = 256


@dataclass
class IndexReport:
    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    docs_added: int = 0
    docs_updated: int = 0
    docs_unchanged: int = 0
    docs_removed: int = 0
    item_failures: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

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


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every regular file under ``paths`` (sorted, hidden and temp folders skipped)."""
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stat_file(path: Path) -> FileState:
    info = path.stat()
    return FileState(path=str(path), mtime=info.st_mtime, size=info.st_size)


class Indexer:
    """Owns the write path: store + embedder + vector cache."""

    def __init__(self, store: Store, embedder: Embedder, vectors: VectorIndex | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.vectors = vectors if vectors is not None else VectorIndex.load(store)

    # ---------------------------------------------------------- decisions
    def needs_indexing(self, state: FileState, force: bool = False) -> bool:
        """False for a file whose stat or content hash matches what is stored (updating the stat)."""
        known = self.store.file_state(state.path)
        if force or known is None or known["status"] == "reading":
            return True
        if known["mtime"] == state.mtime and known["size"] == state.size:
            return False
        state.sha256 = file_sha256(Path(state.path))
        if known["sha256"] == state.sha256:
            self.store.touch_file(state)
            return False
        return True

    # ------------------------------------------------------------- work
    def index_paths(self, paths: Iterable[str | os.PathLike[str]], kind: str | None = None,
                    progress: ProgressFn | None = None, force: bool = False) -> IndexReport:
        report = IndexReport()
        files = list(iter_files(paths))
        for number, path in enumerate(files, 1):
            if progress:
                progress(str(path), number - 1, len(files))
            self.index_file(path, report, kind=kind, force=force)
        if progress:
            progress("", len(files), len(files))
        self.save_vectors()
        if report.docs_added or report.docs_updated or report.docs_removed:
            self.refresh_people()
        return report

    def refresh_people(self) -> None:
        """Re-merge identities into people after documents changed (cheap at personal scale)."""
        from indexer.people import rebuild_people

        rebuild_people(self.store)

    def index_file(self, path: Path, report: IndexReport, kind: str | None = None, force: bool = False,
                   reader: Reader | None = None) -> None:
        report.files_seen += 1
        try:
            state = stat_file(path)
        except OSError as exc:
            report.files_failed += 1
            report.errors.append((str(path), f"cannot stat: {exc.strerror or exc}"))
            return
        try:
            if not self.needs_indexing(state, force):
                report.files_unchanged += 1
                return
        except OSError as exc:
            self._fail(state, None, f"cannot read file: {exc.strerror or exc}", report)
            return
        reader = reader or detect(path, kind)
        if reader is None:
            report.files_skipped += 1
            return
        if state.sha256 is None:
            state.sha256 = file_sha256(path)
        self.store.mark_reading(state, reader.name)
        try:
            failures = self._read_and_store(path, state, reader, report)
        except Exception as exc:  # the reader gave up on the whole file
            self._fail(state, reader.name, f"{type(exc).__name__}: {exc}", report)
            return
        report.item_failures += failures
        report.files_indexed += 1

    def _read_and_store(self, path: Path, state: FileState, reader: Reader, report: IndexReport) -> int:
        batch: list[Document] = []
        failures: list[ReadFailure] = []
        committed: set[tuple[str, str]] = set()
        failure_count = 0
        for item in reader.read(path):
            if isinstance(item, ReadFailure):
                failures.append(item)
                failure_count += 1
                continue
            batch.append(item)
            if len(batch) >= STREAM_BATCH:
                # Commit a range of a large file; keep only the keys for the final prune.
                prepared = self.prepare(batch)
                self._commit(self.store.replace_file(state, reader.name, prepared, failures, partial=True), report)
                committed.update((d.source_path, d.locator) for d in batch)
                batch, failures = [], []
        prepared = self.prepare(batch)
        self._commit(self.store.replace_file(state, reader.name, prepared, failures, keep=committed), report)
        return failure_count

    def prepare(self, documents: list[Document]) -> list[PreparedDocument]:
        """Chunk and embed, reusing stored vectors for chunks whose text has not changed.

        A document already stored with the same content needs no chunks (the store only records
        its location); a duplicate within the batch is kept only as a second location.
        """
        first_hash: dict[str, str] = {}
        plans: list[tuple[Document, list[str], dict[str, np.ndarray]]] = []
        to_embed: list[str] = []
        for doc in documents:
            digest = doc.content_hash()
            if doc.stable_id in first_hash:
                if first_hash[doc.stable_id] == digest:
                    plans.append((doc, [], {}))
                continue
            first_hash[doc.stable_id] = digest
            known = self.store.db.execute(
                "SELECT content_hash FROM documents WHERE id = ?", [doc.stable_id]).fetchone()
            if known and known[0] == digest:
                plans.append((doc, [], {}))
                continue
            chunks = chunk_text(doc.text_for_embedding) or [doc.title or doc.kind]
            cached = self.store.existing_embeddings(doc.stable_id) if known else {}
            to_embed += [c for c in chunks if c not in cached]
            plans.append((doc, chunks, cached))
        vectors = dict(zip(to_embed, self.embedder.encode(to_embed))) if to_embed else {}
        return [
            PreparedDocument(doc, chunks, np.vstack([cached.get(c, vectors.get(c)) for c in chunks])
                             if chunks else np.zeros((0, 0), np.float32))
            for doc, chunks, cached in plans
        ]

    def _commit(self, changes: ChangeSet, report: IndexReport) -> None:
        report.absorb(changes)
        self.vectors.apply(changes, self.store.vector_generation())

    def _fail(self, state: FileState, reader: str | None, error: str, report: IndexReport) -> None:
        report.files_failed += 1
        report.errors.append((state.path, error))
        self.store.mark_failed(state, reader, error)

    def forget(self, target: str) -> int:
        """Remove a document by id, or a file/directory by path, from SQLite, FTS and FAISS."""
        if self.store.get_document(target):
            changes = self.store.remove_document(target)
        else:
            changes = self.store.remove_path(str(Path(target).expanduser().resolve()))
        self.vectors.apply(changes, self.store.vector_generation())
        self.save_vectors()
        return changes.docs_removed

    def save_vectors(self) -> None:
        self.vectors.save()
