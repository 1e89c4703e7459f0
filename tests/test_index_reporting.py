"""What `kith index` reports (issue 10): files with a known extension that no reader accepts are
failures with a reason; other skipped files are listed by `kith status --skipped`; the counts
separate files that failed entirely, files indexed with some bad items, and items; a missing path
next to valid ones is reported and the run exits non-zero after indexing the rest."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kith.cli.main import cli

GOOD_CARD = "BEGIN:VCARD\nVERSION:3.0\nFN:Grace Hopper\nEMAIL:grace@example.org\nEND:VCARD\n"
BAD_CARD = "BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\n"
EVENT_NO_START = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x1\nSUMMARY:Broken\nEND:VEVENT\nEND:VCALENDAR\n"


def mail(path: Path, msgid: str, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"From: a@example.org\nSubject: Note {msgid}\nMessage-ID: <{msgid}>\n\n{body}\n")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    noise = bytes(range(7, 250)) * 8
    for name in ("holiday.jpg", "scan.png", "chat.db"):
        (root / name).write_bytes(noise)
    (root / "random.bin").write_bytes(noise)
    (root / "notes.xyz").write_text("not a format kith knows\n")
    (root / "broken.vcf").write_text(BAD_CARD + BAD_CARD)          # every card fails: the file failed
    (root / "mixed.vcf").write_text(GOOD_CARD + BAD_CARD)          # one good, one bad: indexed, partly
    (root / "broken.ics").write_text(EVENT_NO_START)
    mail(root / "ok.eml", "ok1@x", "The ferry leaves at noon.")
    return root


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_counts_distinguish_failed_files_partial_files_and_items(folder, make_app):
    app = make_app()
    report = app.indexer.index_paths([folder])
    assert report.files_indexed == 2 and report.files_partial == 1  # ok.eml, mixed.vcf (one bad card)
    failed = {Path(p).name for p, _ in report.errors}
    assert failed == {"holiday.jpg", "scan.png", "chat.db", "broken.vcf", "broken.ics"}
    assert report.files_failed == 5 and report.files_skipped == 2
    assert report.item_failures == 4  # 2 + 1 cards, 1 event
    status = dict(app.store.db.execute("SELECT path, status FROM files").fetchall())
    assert status[str(folder / "broken.vcf")] == "failed" and status[str(folder / "mixed.vcf")] == "indexed"
    assert status[str(folder / "random.bin")] == "skipped"


def test_known_extension_no_reader_accepts_is_a_failure_with_a_reason(folder, make_app):
    app = make_app()
    app.indexer.index_paths([folder])
    reasons = {Path(f["path"]).name: f["error"] for f in app.store.failures() if not f["locator"]}
    assert "photos.image does not recognise its content" in reasons["holiday.jpg"]
    assert reasons["holiday.jpg"].startswith("named like a photo file (.jpg)")
    assert reasons["chat.db"].startswith("named like a message file (chat.db)")
    assert "scan.png" in reasons
    # Unchanged on the next run: not read again, still recorded.
    again = app.indexer.index_paths([folder])
    assert again.files_failed == 0 and again.files_unchanged >= 5
    assert {Path(f["path"]).name for f in app.store.failures()} >= {"holiday.jpg", "scan.png", "chat.db"}


def test_status_skipped_lists_the_other_files(folder, tmp_path):
    home = str(tmp_path / "home")
    result = invoke("index", str(folder), "--home", home)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich may wrap
    assert "files: 2 indexed (1 with some unreadable items), 0 unchanged, 5 failed" in text
    assert "2 skipped (not a known format" in text and "items that could not be read: 4" in text
    listed = invoke("status", "--skipped", "--json", "--home", home)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert rows["count"] == 2
    assert {Path(r["path"]).name for r in rows["skipped"]} == {"random.bin", "notes.xyz"}
    plain = invoke("status", "--skipped", "--home", home)
    assert "notes.xyz" in plain.output and "holiday.jpg" not in plain.output
    status = json.loads(invoke("status", "--json", "--home", home).output)
    assert any(f["path"].endswith("chat.db") for f in status["failures"])
    # A second run re-sniffs skipped files (a reader may have been installed) without double-listing.
    invoke("index", str(folder), "--home", home)
    assert json.loads(invoke("status", "--skipped", "--json", "--home", home).output)["count"] == 2


def test_a_file_that_becomes_unreadable_loses_its_documents(tmp_path, make_app):
    app = make_app()
    path = mail(tmp_path / "m" / "note.txt", "n1@x", "Remember the zanzibar trip.")
    app.indexer.index_paths([path])
    assert app.searcher.search("zanzibar", mode="bm25")
    path.write_bytes(bytes(range(7, 250)) * 4)
    os.utime(path, (5, 5))
    report = app.indexer.index_paths([path])
    assert report.files_skipped == 1 and report.docs_removed == 1
    assert app.searcher.search("zanzibar", mode="bm25") == []


def test_a_missing_path_next_to_valid_ones(tmp_path):
    a = mail(tmp_path / "a" / "1.eml", "a1@x", "Alpha note about the kayak.")
    b = mail(tmp_path / "b" / "2.eml", "b1@x", "Bravo note about the tandem.")
    home = str(tmp_path / "home")
    missing = str(tmp_path / "nowhere")
    result = invoke("index", str(a.parent), missing, str(b.parent), "--home", home)
    assert result.exit_code == 1
    assert f"no such file or directory: {missing}" in result.output
    assert "Traceback" not in result.output
    hits = json.loads(invoke("search", "note", "--mode", "bm25", "--json", "--home", home).output)
    assert {h["title"] for h in hits} == {"Note a1@x", "Note b1@x"}
    as_json = invoke("index", str(a.parent), missing, "--json", "--home", home)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["missing_paths"] == [missing]
    only_missing = invoke("index", missing, "--home", home)
    assert only_missing.exit_code == 1 and "no such file or directory" in only_missing.output
