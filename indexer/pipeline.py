"""Index files: walk paths, detect each file's reader, read, chunk, embed, and store per file.

Like notmuch, each file is added atomically; an unchanged file (same size and mtime, or same
hash) does no work. Large streamed files (mbox) are committed in batches of documents.

Finding files is in ``file_walk``, the run's counts in ``index_report`` and chunking/embedding in
``prepare``; this module keeps the ``Indexer`` (decisions, batching, streaming, commits).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.document import Document, ReadFailure
from indexer.embeddings import CachingEncoder
from indexer.file_walk import SKIP_DIRS, file_sha256, iter_files, stat_file  # noqa: F401  (re-exported)
from indexer.index_report import IndexReport, ProgressFn
from indexer.prepare import prepare_documents
from indexer.sources.base import Reader, claimed_by, detect, read_head
from indexer.store import ChangeSet, FileState, PreparedDocument, StalePreparation, Store
from indexer.vectors import VectorIndex

STREAM_BATCH = 256        # documents per transaction for a large (streamed) file
FLUSH_DOCUMENTS = 128     # embed small files together once this many documents are waiting
FLUSH_FILES = 64


@dataclass
class _PendingFile:
    """A small file that has been read and waits for its documents to be embedded."""

    state: FileState
    reader: str
    documents: list[Document]
    failures: list[ReadFailure]


def failure_kind(exc: BaseException) -> str:
    """``crash`` for an isolated reader that died or hung (its exception says so), else ``read``."""
    return getattr(exc, "failure_kind", "read")


class Indexer:
    """Owns the write path: store + embedder + vector cache."""

    def __init__(self, store: Store, embedder: CachingEncoder, vectors: VectorIndex | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.vectors = vectors if vectors is not None else VectorIndex.load(store)
        # Files to re-read because a copy of one of their documents became its primary location.
        self._stale: dict[str, None] = {}
        # The daemon wraps readers (child-process isolation); rebuilds use the same wrapper.
        self.wrap_reader: Callable[[Reader], Reader] | None = None

    # ---------------------------------------------------------- decisions
    def needs_indexing(self, state: FileState, force: bool = False) -> bool:
        """False for a file whose stat or content hash matches what is stored (updating the stat)."""
        known = self.store.file_state(state.path)
        if force or known is None or known["status"] in ("reading", "skipped"):
            return True  # a skipped file is sniffed again: a reader may have been added since
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
        """Index every file under ``paths``.

        Small files are read one by one but embedded together (one model call for many files),
        then committed one transaction per file, so a crash still loses at most the files in
        flight and never leaves one half-written.
        """
        report = IndexReport()
        files = list(iter_files(paths, report.missing_paths.append))
        pending: list[_PendingFile] = []
        for number, path in enumerate(files, 1):
            if progress:
                progress(str(path), number - 1, len(files))
            job = self._start(path, report, kind, force)
            if job is None:
                continue
            state, reader = job
            try:
                documents, failures, rest = self._read_head(path, reader)
            except Exception as exc:  # the reader gave up on the whole file
                self._fail(state, reader.name, f"{type(exc).__name__}: {exc}", report, failure_kind(exc))
                continue
            if rest is not None:  # a large file: stream it on its own
                self._flush(pending, report)
                self._finish_streamed(state, reader.name, documents, failures, rest, report)
                continue
            pending.append(_PendingFile(state, reader.name, documents, failures))
            if sum(len(p.documents) for p in pending) >= FLUSH_DOCUMENTS or len(pending) >= FLUSH_FILES:
                self._flush(pending, report)
        self._flush(pending, report)
        self.rebuild_stale(report)
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
        """Index one file now (the daemon's entry point)."""
        self._index_one(path, report, kind, force, reader)
        self.rebuild_stale(report)

    def remove_path(self, path: str) -> IndexReport:
        """A file or folder went away: forget its locations, rebuilding documents that a copy still holds."""
        report = IndexReport()
        self._commit(self.store.remove_path(path), report)
        self.rebuild_stale(report)
        return report

    def rebuild_stale(self, report: IndexReport) -> None:
        """Re-read the files whose copy of a document was promoted to primary (the copy it was built
        from went away or changed), so no document keeps text that no file on disk holds.

        Each round removes a location or rewrites a document from its file, so this converges; the
        round limit only guards against a file that keeps changing while it is read.
        """
        from indexer.sources.base import all_readers

        for _ in range(8):
            if not self._stale:
                return
            paths = list(self._stale)
            self._stale.clear()
            for path in paths:
                file = Path(path)
                if not file.is_file():
                    self._commit(self.store.remove_path(path), report)
                    continue
                known = self.store.file_state(path) or {}
                reader = next((r for r in all_readers() if r.name == known.get("reader")), None) or detect(file)
                if reader is None:
                    self._commit(self.store.remove_path(path), report)
                    continue
                if self.wrap_reader is not None:
                    reader = self.wrap_reader(reader)
                self._index_one(file, report, None, True, reader)
                report.files_rebuilt += 1

    def _index_one(self, path: Path, report: IndexReport, kind: str | None, force: bool,
                   reader: Reader | None) -> None:
        job = self._start(path, report, kind, force, reader)
        if job is None:
            return
        state, reader = job
        try:
            documents, failures, rest = self._read_head(path, reader)
            if rest is None:
                pending = [_PendingFile(state, reader.name, documents, failures)]
                self._flush(pending, report)
            else:
                self._finish_streamed(state, reader.name, documents, failures, rest, report)
        except Exception as exc:  # the reader gave up on the whole file
            self._fail(state, reader.name, f"{type(exc).__name__}: {exc}", report, failure_kind(exc))

    def _start(self, path: Path, report: IndexReport, kind: str | None, force: bool,
               reader: Reader | None = None) -> tuple[FileState, Reader] | None:
        """Decide whether ``path`` needs reading; if so, record it as being read (crash marker)."""
        report.files_seen += 1
        try:
            state = stat_file(path)
        except OSError as exc:
            report.files_failed += 1
            report.errors.append((str(path), f"cannot stat: {exc.strerror or exc}"))
            return None
        try:
            if not self.needs_indexing(state, force):
                report.files_unchanged += 1
                return None
            reader = reader or detect(path, kind)
            if reader is None:
                self._skip(state, path, kind, report)
                return None
            if state.sha256 is None:
                state.sha256 = file_sha256(path)
        except OSError as exc:
            self._fail(state, None, f"cannot read file: {exc.strerror or exc}", report)
            return None
        self.store.mark_reading(state, reader.name)
        return state, reader

    @staticmethod
    def _read_head(path: Path, reader: Reader) -> tuple[list[Document], list[ReadFailure], Iterator | None]:
        """Read up to STREAM_BATCH documents; return the live iterator too if the file has more."""
        documents: list[Document] = []
        failures: list[ReadFailure] = []
        items = iter(reader.read(path))
        for item in items:
            if isinstance(item, ReadFailure):
                failures.append(item)
            else:
                documents.append(item)
                if len(documents) >= STREAM_BATCH:
                    return documents, failures, items
        return documents, failures, None

    def _flush(self, pending: list["_PendingFile"], report: IndexReport) -> None:
        """Embed the documents of several files in one call, then commit each file on its own."""
        if not pending:
            return
        prepared = self.prepare([doc for item in pending for doc in item.documents])
        cursor = 0
        for item in pending:
            mine = [p for p in prepared[cursor:cursor + len(item.documents)] if p is not None]
            cursor += len(item.documents)
            failed = self._count_file(item.state.path, len(item.documents), item.failures, report)
            self._commit(self._replace(item.state, item.reader, mine, item.failures,
                                       status="failed" if failed else "indexed"), report)
        pending.clear()

    @staticmethod
    def _count_file(path: str, documents: int, failures: list[ReadFailure], report: IndexReport) -> bool:
        """Count a read file; True when nothing in it could be read (every item failed)."""
        report.item_failures += len(failures)
        if failures and not documents:
            report.files_failed += 1
            report.errors.append((path, f"nothing could be read: {len(failures)} item(s) failed, first: "
                                        f"{failures[0].error}"))
            return True
        report.files_indexed += 1
        report.files_partial += bool(failures)
        return False

    def index_stream(self, path: Path, reader_name: str, items: Iterable[Document | ReadFailure],
                     force: bool = False) -> IndexReport:
        """Index documents produced by the caller as the contents of ``path`` (e.g. a BEIR corpus)."""
        report = IndexReport(files_seen=1)
        state = stat_file(path)
        if not self.needs_indexing(state, force):
            report.files_unchanged = 1
            return report
        state.sha256 = state.sha256 or file_sha256(path)
        self.store.mark_reading(state, reader_name)
        self._finish_streamed(state, reader_name, [], [], iter(items), report)
        self.save_vectors()
        return report

    def _finish_streamed(self, state: FileState, reader: str, documents: list[Document],
                         failures: list[ReadFailure], rest: Iterator, report: IndexReport) -> None:
        """A large file (an mbox): commit each range of STREAM_BATCH documents in its own transaction."""
        committed: set[tuple[str, str]] = set()
        all_failures: list[ReadFailure] = []
        for item in rest:
            if isinstance(item, ReadFailure):
                failures.append(item)
                continue
            documents.append(item)
            if len(documents) >= STREAM_BATCH:
                prepared = [p for p in self.prepare(documents) if p is not None]
                self._commit(self._replace(state, reader, prepared, failures, partial=True), report)
                committed.update((d.source_path, d.locator) for d in documents)
                all_failures += failures
                documents, failures = [], []
        prepared = [p for p in self.prepare(documents) if p is not None]
        failed = self._count_file(state.path, len(committed) + len(documents), all_failures + failures, report)
        self._commit(self._replace(state, reader, prepared, failures, keep=committed,
                                   status="failed" if failed else "indexed"), report)

    def _replace(self, state: FileState, reader: str, prepared: list[PreparedDocument],
                 failures: list[ReadFailure], **options) -> ChangeSet:
        """Commit one file; if a document prepared as unchanged changed meanwhile (an earlier file in
        the same batch removed it), prepare this file's documents again and retry."""
        try:
            return self.store.replace_file(state, reader, prepared, failures, **options)
        except StalePreparation:
            fresh = [p for p in self.prepare([p.document for p in prepared]) if p is not None]
            return self.store.replace_file(state, reader, fresh, failures, **options)

    def prepare(self, documents: list[Document]) -> list[PreparedDocument | None]:
        """Chunk and embed ``documents`` (aligned with them); see ``indexer.prepare.prepare_documents``."""
        return prepare_documents(self.store, self.embedder, documents)

    def _commit(self, changes: ChangeSet, report: IndexReport) -> None:
        report.absorb(changes)
        self.vectors.apply(changes, self.store.vector_generation())
        self._stale.update(dict.fromkeys(changes.stale_paths))

    def _skip(self, state: FileState, path: Path, kind: str | None, report: IndexReport) -> None:
        """No reader accepts ``path``: a failure with a reason if a reader claims its name (random
        bytes called photo.jpg or chat.db), else a skipped file that `kith status --skipped` lists."""
        known = self.store.file_state(state.path)
        if known and known["doc_count"]:  # it held documents before: they are no longer on disk
            self._commit(self.store.remove_path(state.path), report)
        claimant = claimed_by(path, kind)
        if claimant is None:
            report.files_skipped += 1
            self.store.mark_skipped(state)
            return
        head = read_head(path, 8)
        start = f"it starts with bytes {head.hex(' ')}" if head else "it is empty"
        named = path.name if path.name.lower() in getattr(claimant, "filenames", ()) else path.suffix
        self._fail(state, claimant.name, f"named like a {claimant.kind} file ({named}) but "
                   f"{claimant.name} does not recognise its content ({start})", report)

    def _fail(self, state: FileState, reader: str | None, error: str, report: IndexReport,
              kind: str = "read") -> None:
        report.files_failed += 1
        report.errors.append((state.path, error))
        self.store.mark_failed(state, reader, error, kind)

    def forget(self, target: str) -> int:
        """Remove a document by id, or a file/directory by path, from SQLite, FTS and FAISS."""
        report = IndexReport()
        if self.store.get_document(target):
            self._commit(self.store.remove_document(target), report)
        else:
            self._commit(self.store.remove_path(str(Path(target).expanduser().resolve())), report)
            self.rebuild_stale(report)
        self.save_vectors()
        return report.docs_removed

    def save_vectors(self) -> None:
        self.vectors.save()
