"""Index core: per-file transactions, unchanged re-index, dedup, forget, FAISS reconcile, filters."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.errors import FilterError
from indexer.search import SearchFilters
from indexer.vectors import VectorIndex


def write_mail(path: Path, subject: str, body: str, msgid: str, sender: str = "Alice Martin <alice@example.org>",
               date: str = "Mon, 06 Jul 2026 10:00:00 +0100") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"From: {sender}\nTo: maya@example.com\nSubject: {subject}\nMessage-ID: <{msgid}>\n"
                    f"Date: {date}\n\n{body}\n")
    return path


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    root = tmp_path / "Maildir"
    write_mail(root / "INBOX/cur/1:2,S", "Dinner on Saturday", "The dinner is at 8pm at Casa do Alentejo.", "a1@x")
    write_mail(root / "INBOX/cur/2:2,S", "Quarterly report", "Please send the Q4 budget numbers by Friday.", "a2@x",
               sender="Bob Chen <bob@example.com>", date="Tue, 10 Nov 2026 09:00:00 +0000")
    write_mail(root / "INBOX/cur/3:2,S", "Boat trip", "I booked the boat trip to Cascais for Sunday.", "a3@x")
    # The same message stored in a second folder is one document with two locations.
    write_mail(root / "Archive/cur/9:2,S", "Boat trip", "I booked the boat trip to Cascais for Sunday.", "a3@x")
    return root


def counts(app) -> tuple[int, int, int, int]:
    db = app.store.db
    return (db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0],
            app.vectors.ntotal)


def test_index_dedups_by_message_id_and_reindex_is_a_no_op(mailbox, make_app):
    app = make_app()
    report = app.indexer.index_paths([mailbox])
    assert report.docs_added == 3 and report.files_failed == 0
    docs, chunks, fts, vectors = counts(app)
    assert (docs, fts) == (3, 3) and chunks == vectors >= 3
    boat = app.searcher.search("boat trip Cascais", limit=1)[0]
    assert len(app.store.get_document(boat.id)["locations"]) == 2
    before = list(app.store.db.execute("SELECT id, content_hash, indexed_at FROM documents ORDER BY id"))
    again = app.indexer.index_paths([mailbox])
    assert again.files_unchanged == 4 and again.docs_added == 0 and again.docs_updated == 0
    assert list(app.store.db.execute("SELECT id, content_hash, indexed_at FROM documents ORDER BY id")) == before


def test_changed_file_replaces_its_documents(mailbox, make_app):
    app = make_app()
    app.indexer.index_paths([mailbox])
    target = mailbox / "INBOX/cur/1:2,S"
    write_mail(target, "Dinner moved", "The dinner moved to 9pm.", "a1@x")
    os.utime(target, (1, 1))
    report = app.indexer.index_paths([mailbox])
    assert report.docs_updated == 1 and report.docs_added == 0
    hit = app.searcher.search("dinner", limit=1)[0]
    assert hit.title == "Dinner moved"
    assert counts(app)[1] == app.vectors.ntotal


def test_forget_removes_from_sqlite_fts_and_faiss(mailbox, make_app):
    app = make_app()
    app.indexer.index_paths([mailbox])
    app.indexer.forget(str(mailbox / "INBOX/cur/2:2,S"))
    assert not [h for h in app.searcher.search("quarterly budget", limit=5) if h.title == "Quarterly report"]
    docs, chunks, fts, vectors = counts(app)
    assert (docs, fts) == (2, 2) and chunks == vectors
    # Forgetting one location of a de-duplicated message keeps the document at its other location.
    app.indexer.forget(str(mailbox / "INBOX/cur/3:2,S"))
    hit = app.searcher.search("boat trip", limit=1)[0]
    assert hit.path.endswith("Archive/cur/9:2,S")


def test_faiss_cache_is_rebuilt_from_sqlite_without_reembedding(mailbox, make_app, tmp_path):
    app = make_app()
    app.indexer.index_paths([mailbox])
    expected = app.vectors.ntotal
    app.home.vectors_path.unlink()
    fresh = VectorIndex.load(app.store)
    assert fresh.ntotal == expected
    # A stale cache (older generation) is diffed, not rebuilt from scratch.
    app.indexer.forget(str(mailbox / "INBOX/cur/1:2,S"))
    fresh.reconcile(app.store)
    assert fresh.ntotal == app.store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def test_filters_by_kind_date_person_and_source(mailbox, make_app):
    app = make_app()
    app.indexer.index_paths([mailbox])
    search = app.searcher.search
    from indexer.timeparse import parse_when

    assert [h.title for h in search("report", SearchFilters(since=parse_when("2026-11-01")))] == ["Quarterly report"]
    assert "Quarterly report" not in [h.title for h in search("report", SearchFilters(until=parse_when("2026-10-01")))]
    assert {h.author for h in search("trip", SearchFilters(person="bob@example.com"))} <= {"Bob Chen <bob@example.com>"}
    assert search("dinner", SearchFilters(kind="photo")) == []
    assert search("dinner", SearchFilters(source=str(mailbox / "INBOX")))
    with pytest.raises(FilterError):
        SearchFilters(kind="spaceship")
    with pytest.raises(FilterError):
        parse_when("next blue moon")


def test_hits_carry_snippet_highlights_and_locator(mailbox, make_app):
    app = make_app()
    app.indexer.index_paths([mailbox])
    hit = app.searcher.search("boat trip", limit=1)[0]
    assert hit.title == "Boat trip"
    spans = [hit.snippet[a:b].lower() for a, b in hit.highlights]
    assert "boat" in spans and "trip" in spans
    assert hit.locator and Path(hit.path).exists()
    assert set(hit.ranks) == {"bm25", "dense"}


def test_a_corrupt_file_is_recorded_and_indexing_goes_on(mailbox, make_app):
    bad = mailbox / "INBOX/cur/4.eml"
    bad.write_bytes(b"")
    app = make_app()
    report = app.indexer.index_paths([mailbox])
    assert report.docs_added == 3
    failures = app.store.failures()
    assert any(f["path"] == str(bad) for f in failures)


def test_home_and_files_are_private(mailbox, make_app):
    app = make_app()
    app.indexer.index_paths([mailbox])
    assert (app.home.path.stat().st_mode & 0o777) == 0o700
    assert (app.home.db_path.stat().st_mode & 0o777) == 0o600
    assert (app.home.vectors_path.stat().st_mode & 0o777) == 0o600


def test_a_message_that_moves_between_files_in_one_run_keeps_its_chunks(tmp_path, make_app):
    """A.eml held message X; in one run A becomes another message and new B.eml holds X. X was
    prepared as unchanged, then A's commit deleted it: B's commit must re-embed, not store X bare."""
    root = tmp_path / "box"
    write_mail(root / "A.eml", "Boat trip", "I booked the boat trip to Cascais.", "x@x")
    app = make_app()
    app.indexer.index_paths([root])
    write_mail(root / "A.eml", "Something else", "Unrelated note.", "z@x")
    write_mail(root / "B.eml", "Boat trip", "I booked the boat trip to Cascais.", "x@x")
    app.indexer.index_paths([root])
    bare = app.store.db.execute(
        "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)"
    ).fetchone()[0]
    assert bare == 0
    docs, chunks, fts, vectors = counts(app)
    assert docs == fts == 2 and chunks == vectors
    assert app.searcher.search("boat trip", limit=1)[0].path.endswith("B.eml")


def test_identical_text_anywhere_in_the_index_is_not_embedded_again(tmp_path, make_app, embedder):
    from indexer.embeddings import Embedder

    class CountingEmbedder(Embedder):
        def __init__(self) -> None:
            super().__init__()
            self._model = embedder.model
            self.texts: list[str] = []

        def encode(self, texts, show_progress=False):
            self.texts += list(texts)
            return super().encode(texts, show_progress)

    counting = CountingEmbedder()
    from indexer.app import KithApp

    app = KithApp(tmp_path / "home", embedder=counting)
    write_mail(tmp_path / "a" / "1.eml", "Newsletter", "The same weekly newsletter body.", "n1@x")
    app.indexer.index_paths([tmp_path / "a"])
    first = len(counting.texts)
    write_mail(tmp_path / "b" / "2.eml", "Newsletter", "The same weekly newsletter body.", "n2@x")
    app.indexer.index_paths([tmp_path / "b"])
    assert first >= 1 and len(counting.texts) == first
    docs, chunks, fts, vectors = counts(app)
    assert docs == 2 and chunks == vectors == 2
    app.close()
