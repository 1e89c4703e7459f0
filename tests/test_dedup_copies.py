"""Copies of one message (same Message-ID) in several files: the earliest-indexed copy that still
exists defines the document; when it goes away or changes, the document is rebuilt from a copy on
disk. `kith show` never displays text that no file holds (issue 10, "Stale text after de-duplication")."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.daemon_harness import DaemonProcess, make_home, wait_for
from kith.cli.main import cli

ORIGINAL = "The budget meeting is on Tuesday in room 4."
EDITED = "EDITED: the budget meeting moved to Thursday in room 9."


def write_mail(path: Path, body: str, msgid: str = "dup1@x", subject: str = "Budget meeting") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"From: Alice Martin <alice@example.org>\nTo: maya@example.com\nSubject: {subject}\n"
                    f"Message-ID: <{msgid}>\nDate: Mon, 06 Jul 2026 10:00:00 +0100\n\n{body}\n")
    return path


def the_doc(app) -> dict:
    rows = app.store.db.execute("SELECT id FROM documents").fetchall()
    assert len(rows) == 1, rows
    return app.store.get_document(rows[0][0])


def on_disk(doc: dict) -> bool:
    """The document's body is contained in some file at one of its locations."""
    return any(Path(loc["path"]).exists() and doc["body"].strip() in Path(loc["path"]).read_text()
               for loc in doc["locations"])


def assert_consistent(app) -> None:
    db = app.store.db
    chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert chunks == app.vectors.ntotal
    # The FTS index follows the rebuilt text.
    doc = the_doc(app)
    word = doc["body"].split()[1].strip(":,.")
    assert db.execute("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH ?", [word]).fetchone()[0] == 1


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "mail"


def index(app, *paths: Path) -> None:
    app.indexer.index_paths(list(paths))


def test_original_first_then_edited_copy_keeps_original_text(folder, make_app):
    app = make_app()
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    index(app, original)
    copy = write_mail(folder / "b" / "copy.eml", EDITED)
    index(app, copy)
    doc = the_doc(app)
    assert ORIGINAL in doc["body"] and doc["source_path"] == str(original)
    assert [loc["path"] for loc in doc["locations"]] == [str(original), str(copy)]
    # Deleting the copy leaves the original's text, under the original's path.
    copy.unlink()
    app.indexer.remove_path(str(copy))
    doc = the_doc(app)
    assert ORIGINAL in doc["body"] and doc["source_path"] == str(original) and on_disk(doc)
    assert_consistent(app)


def test_copy_first_then_original_keeps_copy_text_until_copy_is_deleted(folder, make_app):
    app = make_app()
    copy = write_mail(folder / "b" / "copy.eml", EDITED)
    index(app, copy)
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    index(app, original)
    doc = the_doc(app)
    assert EDITED in doc["body"] and doc["source_path"] == str(copy)
    copy.unlink()
    app.indexer.remove_path(str(copy))
    doc = the_doc(app)
    assert ORIGINAL in doc["body"] and EDITED not in doc["body"]
    assert doc["source_path"] == str(original) and on_disk(doc)
    assert app.searcher.search("Thursday", limit=5, mode="bm25") == []
    assert_consistent(app)


def test_deleting_the_original_rebuilds_from_the_edited_copy(folder, make_app):
    app = make_app()
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    copy = write_mail(folder / "b" / "copy.eml", EDITED)
    index(app, folder)  # one run, one embedding batch: the walk order (a/ first) decides
    assert ORIGINAL in the_doc(app)["body"]
    original.unlink()
    app.indexer.remove_path(str(original))
    doc = the_doc(app)
    assert EDITED in doc["body"] and doc["source_path"] == str(copy) and on_disk(doc)
    assert [hit.id for hit in app.searcher.search("Thursday room", limit=5, mode="bm25")] == [doc["id"]]
    assert_consistent(app)


def test_forget_of_the_original_path_rebuilds_from_the_copy(folder, make_app):
    app = make_app()
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    copy = write_mail(folder / "b" / "copy.eml", EDITED)
    index(app, folder)
    app.indexer.forget(str(folder / "a"))
    doc = the_doc(app)
    assert EDITED in doc["body"] and doc["source_path"] == str(copy)
    assert original.exists()  # forget only forgets the index entries


def test_editing_the_copy_does_not_change_the_document_but_editing_the_original_does(folder, make_app):
    app = make_app()
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    copy = write_mail(folder / "b" / "copy.eml", ORIGINAL)
    index(app, folder)
    write_mail(copy, EDITED)
    os.utime(copy, (1, 1))
    index(app, folder)
    assert ORIGINAL in the_doc(app)["body"]
    write_mail(original, "Rewritten by its owner: the meeting is cancelled.")
    os.utime(original, (2, 2))
    index(app, folder)
    doc = the_doc(app)
    assert "cancelled" in doc["body"] and doc["source_path"] == str(original)
    # The original no longer holds this message at all: the copy's (edited) text takes over.
    write_mail(original, "A different message.", msgid="other@x", subject="Other")
    os.utime(original, (3, 3))
    index(app, folder)
    doc = app.store.get_document(app.store.db.execute(
        "SELECT id FROM documents WHERE title = 'Budget meeting'").fetchone()[0])
    assert EDITED in doc["body"] and doc["source_path"] == str(copy) and on_disk(doc)
    assert app.store.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == app.vectors.ntotal


def test_identical_copy_is_not_re_read_when_the_original_goes(folder, make_app):
    app = make_app()
    original = write_mail(folder / "a" / "original.eml", ORIGINAL)
    copy = write_mail(folder / "b" / "copy.eml", ORIGINAL)
    index(app, folder)
    original.unlink()
    report = app.indexer.remove_path(str(original))
    assert report.files_rebuilt == 0 and report.docs_removed == 0
    assert the_doc(app)["source_path"] == str(copy)


def test_daemon_watched_folder_never_shows_text_no_file_holds(tmp_path):
    """The reported scenario, end to end: a watched folder, an edited copy dropped in, then deleted."""
    home = make_home(tmp_path / "home")
    source = tmp_path / "watched"
    original = write_mail(source / "cur" / "original.eml", ORIGINAL)
    runner = CliRunner()
    assert runner.invoke(cli, ["sources", "add", str(source), "--kind", "mail", "--home", str(home)]).exit_code == 0
    daemon = DaemonProcess(home).start()
    try:
        daemon.idle()

        def show() -> dict:
            import json

            hit = daemon.search("budget meeting", mode="bm25", limit=1)[0]
            result = runner.invoke(cli, ["show", hit["id"], "--json", "--home", str(home)])
            assert result.exit_code == 0, result.output
            return json.loads(result.output)

        copy = write_mail(source / "new" / "copy.eml", EDITED)
        wait_for(lambda: len(show()["locations"]) == 2, 30, "the copy to be recorded as a second location")
        assert ORIGINAL in show()["body"]
        copy.unlink()
        wait_for(lambda: len(show()["locations"]) == 1, 30, "the copy's location to go")
        doc = show()
        assert ORIGINAL in doc["body"] and doc["source_path"] == str(original)
        # Now the other way round: the original goes, the edited copy is the only holder.
        copy = write_mail(source / "new" / "copy.eml", EDITED)
        wait_for(lambda: len(show()["locations"]) == 2, 30, "the copy again")
        original.unlink()
        wait_for(lambda: EDITED in show()["body"], 30, "the document to be rebuilt from the copy")
        doc = show()
        assert doc["source_path"] == str(copy) and on_disk(doc)
    finally:
        assert daemon.stop() == 0, daemon.log_tail()
