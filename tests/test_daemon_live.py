"""The daemon against real files and real watchdog events: add, modify, move, delete, mbox append,
corrupt files, crashing/hanging readers, and searches while a large batch is being indexed."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.daemon_harness import DaemonProcess, make_home, mbox_message, wait_for, write_mail
from kith.cli.main import cli

BATCH = 40
ENRON = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "mail-enron-maildir-subset" / "data" / "maildir"


def titles(daemon: DaemonProcess, query: str, mode: str = "bm25") -> list[str]:
    return [hit["title"] for hit in daemon.search(query, mode=mode, limit=20)]


def db_rows(home: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(str(home / "kith.db"), timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("daemon-live")
    home = make_home(root / "home")
    source = root / "mail"
    write_mail(source / "cur" / "seed1.eml", "Quarterly zebracorn report", "The zebracorn numbers are up.", "seed1@x")
    write_mail(source / "cur" / "seed2.eml", "Garden party", "Bring lemonade to the garden party.", "seed2@x")
    (source / "archive.mbox").write_text(mbox_message("Old mbox note", "an ocelotfish appears", "mbox1@x"))
    result = CliRunner().invoke(cli, ["sources", "add", str(source), "--kind", "mail", "--home", str(home)])
    assert result.exit_code == 0, result.output
    daemon = DaemonProcess(home).start()
    daemon.idle()
    yield daemon, source
    code = daemon.stop()
    assert code == 0, daemon.log_tail()


def test_catch_up_scan_indexes_existing_files(env):
    daemon, _ = env
    assert "Quarterly zebracorn report" in titles(daemon, "zebracorn")
    assert "Old mbox note" in titles(daemon, "ocelotfish")
    status = daemon.call("status")
    assert status["documents"] == 3 and status["vectors"] >= 3


def test_live_add_is_searchable(env):
    daemon, source = env
    write_mail(source / "new" / "live1.eml", "Lisbon hotel booking", "The wombatlamp hotel in Alfama is booked.",
               "live1@x")
    wait_for(lambda: "Lisbon hotel booking" in titles(daemon, "wombatlamp"), 20, "a new mail to be searchable")


def test_live_modify_reindexes(env):
    daemon, source = env
    path = source / "cur" / "seed2.eml"
    write_mail(path, "Garden party moved", "The party moves indoors because of quokkarain.", "seed2@x")
    wait_for(lambda: "Garden party moved" in titles(daemon, "quokkarain"), 20, "the modified mail")
    assert titles(daemon, "lemonade") == []


def test_owner_added_to_kith_toml_while_running_rebuilds_people(env):
    """Issue 10: [owner] added after indexing, no document changes: the daemon rebuilds people."""
    daemon, _ = env
    owner_sql = ("SELECT p.display_name FROM people p JOIN person_identities i ON i.person_id = p.id "
                 "WHERE p.is_owner = 1 AND i.identity = 'email:alice@example.com'")
    assert db_rows(daemon.home, owner_sql) == []
    config = daemon.home / "kith.toml"
    config.write_text(config.read_text() + '\n[owner]\nemails = ["alice@example.com"]\n')
    wait_for(lambda: db_rows(daemon.home, owner_sql) != [], 30, "people to be rebuilt with the new owner")


def test_maildir_move_keeps_document_without_reembedding(env):
    daemon, source = env
    write_mail(source / "new" / "moving.eml", "Moving mail", "A narwhalkite message that moves.", "moving@x")
    wait_for(lambda: titles(daemon, "narwhalkite"), 20, "the mail to move")
    daemon.idle()
    before = db_rows(daemon.home, "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
                                  "WHERE d.title = 'Moving mail' ORDER BY c.id")
    assert before
    target = source / "cur" / "moving.eml:2,S"
    (source / "new" / "moving.eml").rename(target)

    def moved() -> bool:
        hits = daemon.search("narwhalkite", mode="bm25")
        return bool(hits) and hits[0]["path"] == str(target)

    wait_for(moved, 20, "the document path to follow the rename")
    after = db_rows(daemon.home, "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
                                 "WHERE d.title = 'Moving mail' ORDER BY c.id")
    assert after == before  # same chunk rows: nothing was re-embedded


def test_delete_removes_documents(env):
    daemon, source = env
    path = str(source / "cur" / "seed1.eml")
    (source / "cur" / "seed1.eml").unlink()
    wait_for(lambda: db_rows(daemon.home, "SELECT COUNT(*) FROM files WHERE path = ?", (path,)) == [(0,)],
             20, "the deleted file to leave the index")
    assert titles(daemon, "zebracorn") == []
    assert db_rows(daemon.home, "SELECT COUNT(*) FROM documents WHERE title = 'Quarterly zebracorn report'") == [(0,)]


def test_mbox_append(env):
    daemon, source = env
    with open(source / "archive.mbox", "a") as handle:
        handle.write(mbox_message("Appended note", "a tapirglow was appended", "mbox2@x"))
    wait_for(lambda: "Appended note" in titles(daemon, "tapirglow"), 20, "the appended mbox message")
    assert "Old mbox note" in titles(daemon, "ocelotfish")
    rows = db_rows(daemon.home, "SELECT COUNT(*) FROM locations WHERE source_path = ?", (str(source / "archive.mbox"),))
    assert rows == [(2,)]


def test_corrupt_file_is_recorded_and_daemon_keeps_going(env):
    daemon, source = env
    (source / "broken.mbox").write_bytes(b"\x00\xff\xfe garbage, no From line \x00" * 50)
    (source / "cur" / "binary.eml").write_bytes(bytes(range(256)) * 20)
    wait_for(lambda: db_rows(daemon.home, "SELECT error FROM failures WHERE path = ?", (str(source / "broken.mbox"),)),
             20, "the corrupt mbox to be recorded as a failure")
    write_mail(source / "cur" / "after.eml", "After the corruption", "the llamabell still rings", "after@x")
    wait_for(lambda: titles(daemon, "llamabell"), 20, "a good mail after the corrupt ones")


def test_crashing_and_hanging_readers_are_isolated_and_skipped(env):
    daemon, source = env
    crash, hang = source / "boom.kithcrash", source / "stuck.kithhang"
    crash.write_text("this file aborts its reader")
    hang.write_text("this file hangs its reader")

    def failures() -> dict[str, str]:
        return dict(db_rows(daemon.home, "SELECT path, error FROM failures WHERE path IN (?, ?)", (str(crash), str(hang))))

    found = wait_for(lambda: len(failures()) == 2 and failures(), 40, "crash and hang failures")
    assert all("reader crashed or hung" in error for error in found.values()), found
    status = db_rows(daemon.home, "SELECT path, status FROM files WHERE path IN (?, ?)", (str(crash), str(hang)))
    assert {s for _, s in status} == {"failed"}
    write_mail(source / "cur" / "survivor.eml", "Survivor", "the daemon survived a yakflute", "survivor@x")
    wait_for(lambda: titles(daemon, "yakflute"), 20, "a good mail after the crashing reader")
    restarts_before = daemon.call("status")["reader_pid"]
    # Unchanged, the file is skipped: touching the mtime without changing content does not re-read it.
    daemon.idle()
    last_seen = failures()
    crash.touch()
    write_mail(source / "cur" / "marker.eml", "Marker", "a marker gnuharp", "marker@x")
    wait_for(lambda: titles(daemon, "gnuharp"), 20, "the marker mail")
    daemon.idle()
    assert failures() == last_seen
    assert restarts_before is None or daemon.call("status")["reader_pid"] == restarts_before


def test_searches_while_a_large_batch_is_indexed(env):
    daemon, source = env
    batch = source / "batch"
    if ENRON.exists():
        batch.mkdir()
        for number, path in enumerate(sorted((ENRON / "crandell-s" / "sent_items").iterdir())[:BATCH]):
            shutil.copy(path, batch / f"{number}.")
    else:
        for number in range(BATCH):
            write_mail(batch / f"{number}.eml", f"Batch message {number}", f"bulk body number {number}", f"b{number}@x")
    errors: list[str] = []
    done: list[int] = []
    during: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                started = time.monotonic()
                daemon.search("meeting schedule", limit=5)
                done.append(int((time.monotonic() - started) * 1000))
                if daemon.call("status")["queue_length"] > 0:
                    during.append(1)
                stop.wait(0.05)
            except Exception as exc:  # any error is a failure of the test
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: daemon.call("status")["queue_length"] > 0 or daemon.call("status")["state"] == "indexing",
                 20, "the batch to start indexing")
        expected = sum(1 for p in batch.rglob("*") if p.is_file())
        prefix = str(batch) + "/%"
        wait_for(lambda: db_rows(daemon.home, "SELECT COUNT(*) FROM files WHERE path LIKE ?", (prefix,))[0][0]
                 >= expected, 240, f"all {expected} batch files to be indexed")
        daemon.idle(timeout=60)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert errors == []
    assert len(during) >= 2, "searches should have run while the batch was queued"
    assert daemon.call("status")["documents"] >= BATCH
    assert max(done) < 10_000
