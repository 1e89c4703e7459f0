"""kill -9 the daemon while it indexes real Enron mail, restart it, and check the index is exact:
one document per distinct Message-ID, one FTS row per document, one FAISS vector per chunk."""
from __future__ import annotations

import shutil
import sqlite3
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.daemon_harness import DaemonProcess, integrity, make_home, wait_for
from kith.cli.main import cli

ENRON = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "mail-enron-maildir-subset" / "data" / "maildir"
FOLDERS = ["bailey-s/inbox", "bailey-s/all_documents", "bailey-s/sent_items", "crandell-s/to_do",
           "crandell-s/calendar"]


def chunkless(home: Path) -> list[tuple]:
    """The documents that have no chunk, with their locations (for the failure message)."""
    conn = sqlite3.connect(str(home / "kith.db"))
    try:
        return conn.execute(
            "SELECT d.id, d.source_path, d.content_hash, d.indexed_at, "
            "(SELECT group_concat(l.source_path || ' seq=' || l.seq || ' ' || l.content_hash, ' | ') "
            " FROM locations l WHERE l.doc_id = d.id) FROM documents d "
            "WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)").fetchall()
    finally:
        conn.close()


def distinct_message_ids(root: Path) -> int:
    ids = set()
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                value = BytesHeaderParser().parse(handle).get("Message-ID")
            if value:
                ids.add(str(value).strip())
    return len(ids)


def documents(home: Path) -> int:
    conn = sqlite3.connect(str(home / "kith.db"), timeout=30)
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_kill_9_while_indexing_then_resume_exactly_once(tmp_path):
    if not ENRON.exists():
        pytest.skip("../shared/corpora/mail-enron-maildir-subset is not available")
    source = tmp_path / "enron"
    for folder in FOLDERS:
        shutil.copytree(ENRON / folder, source / folder)
    shutil.copytree(ENRON / "bailey-s/inbox", source / "copies")  # the same messages in two folders
    files = sum(1 for p in source.rglob("*") if p.is_file())
    expected = distinct_message_ids(source)
    assert expected < files
    home = make_home(tmp_path / "home")
    assert CliRunner().invoke(cli, ["sources", "add", str(source), "--home", str(home)]).exit_code == 0

    kills = 0
    for threshold in (3, 12):
        daemon = DaemonProcess(home).start()
        wait_for(lambda: documents(home) >= threshold, 120, f"{threshold} documents", daemon.log_tail)
        daemon.kill9()
        kills += 1
    assert documents(home) < expected, "the kills should have interrupted indexing"

    daemon = DaemonProcess(home).start()
    try:
        wait_for(lambda: documents(home) >= expected, 240, "indexing to finish after the kills", daemon.log_tail)
        status = daemon.idle()
        counts = integrity(home)
        assert counts["documents"] == expected == counts["distinct_uids"] == counts["distinct_ids"]
        assert counts["fts_rows"] == counts["documents"]
        assert counts["docs_without_chunks"] == 0, chunkless(home)
        assert counts["reading"] == 0
        assert status["vectors"] == counts["chunks"]
        hits = daemon.search("meeting", limit=50)
        assert len({h["id"] for h in hits}) == len(hits)
    finally:
        assert daemon.stop() == 0
    counts = integrity(home)
    assert counts["faiss_ntotal"] == counts["chunks"]
    assert kills == 2
