"""macOS Messages chat.db: built with samples.generators.chat_db and read back by messages.imessage."""
from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources.base import read_head
from indexer.sources.messages.imessage import READER, apple_time
from samples.generators.chat_db import apple_nanoseconds, write_chat_db

LISBON = timezone(timedelta(hours=1))
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=LISBON)
ALICE = "+351912345678"


def _chats() -> list[dict]:
    return [
        {
            "identifier": ALICE,
            "display_name": "",
            "messages": [
                {"from_me": False, "handle": ALICE, "text": "Jantar sexta às 20h?", "when": T0},
                {"from_me": True, "handle": ALICE, "text": "Combinado, levo o vinho", "when": T0 + timedelta(minutes=3),
                 "attributed_only": True},
                {"from_me": False, "handle": ALICE, "text": "", "when": T0 + timedelta(minutes=4),
                 "attachments": [{"filename": "~/Library/Messages/Attachments/ab/01/menu.jpg",
                                  "mime_type": "image/jpeg"}]},
                {"from_me": False, "handle": ALICE, "text": "Afinal é no sábado", "when": T0 + timedelta(hours=5)},
            ],
        },
        {
            "identifier": "chat889900112233",
            "display_name": "Climbing crew",
            "members": ["bob@example.com", "+14155550123", "carol@example.com"],
            "messages": [
                {"from_me": False, "handle": "bob@example.com", "text": "Gym at 7?", "when": T0 + timedelta(days=1)},
                {"from_me": False, "handle": "+14155550123", "text": "I'm in",
                 "when": T0 + timedelta(days=1, minutes=1), "attributed_only": True},
                {"from_me": True, "handle": "", "text": "Same", "when": T0 + timedelta(days=1, minutes=2)},
            ],
        },
    ]


@pytest.fixture()
def chat_db(tmp_path: Path) -> Path:
    path = tmp_path / "chat.db"
    write_chat_db(path, _chats())
    return path


def _docs(path: Path) -> tuple[list[Document], list[ReadFailure]]:
    items = list(READER.read(path))
    return ([i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, ReadFailure)])


def test_generator_writes_the_real_schema(chat_db: Path) -> None:
    db = sqlite3.connect(chat_db)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"message", "handle", "chat", "chat_message_join", "chat_handle_join", "attachment",
            "message_attachment_join"} <= tables
    row = db.execute("SELECT text, attributedBody, is_from_me, date FROM message WHERE ROWID = 2").fetchone()
    db.close()
    assert row[0] is None and row[1].startswith(b"\x04\x0bstreamtyped") and row[2] == 1
    assert row[3] == apple_nanoseconds(T0 + timedelta(minutes=3))


def test_sniff_accepts_chat_db_and_rejects_other_sqlite(chat_db: Path, tmp_path: Path) -> None:
    assert READER.sniff(chat_db, read_head(chat_db)) >= 0.9
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE message (id INTEGER)")
    db.commit()
    db.close()
    assert READER.sniff(other, read_head(other)) == 0.0
    text = tmp_path / "notes.txt"
    text.write_text("SQLite is nice")
    assert READER.sniff(text, read_head(text)) == 0.0


def test_read_back_windows_authors_and_attributed_body(chat_db: Path) -> None:
    docs, failures = _docs(chat_db)
    assert failures == []
    by_locator = {d.locator: d for d in docs}
    assert set(by_locator) == {f"{ALICE}:1..3", f"{ALICE}:4..4", "chat889900112233:5..7"}

    first = by_locator[f"{ALICE}:1..3"]
    assert first.title == f"Messages with {ALICE}"
    assert first.body.splitlines() == [
        f"{ALICE}: Jantar sexta às 20h?",
        "me: Combinado, levo o vinho",  # text only in attributedBody, sent by the owner
        f"{ALICE}: [attachment: menu.jpg]",
    ]
    assert first.author == ALICE
    assert set(first.participants) == {ALICE, "me"}
    assert first.timestamp == T0
    assert first.timestamp.tzinfo is not None
    assert first.metadata["source"] == "imessage"
    assert first.metadata["chat_id"] == ALICE
    assert first.metadata["message_count"] == 3
    messages = first.metadata["messages"]
    assert [m["locator"] for m in messages] == [f"{ALICE}:1", f"{ALICE}:2", f"{ALICE}:3"]
    assert messages[1]["author"] == "me" and messages[1]["is_from_me"] is True
    assert messages[2]["attachments"] == ["menu.jpg"]

    group = by_locator["chat889900112233:5..7"]
    assert group.title == "Climbing crew"
    assert group.body == "bob@example.com: Gym at 7?\n+14155550123: I'm in\nme: Same"
    assert {"bob@example.com", "+14155550123", "carol@example.com", "me"} <= set(group.participants)


def test_reading_never_writes_to_the_database(chat_db: Path) -> None:
    before = hashlib.sha256(chat_db.read_bytes()).hexdigest()
    mtime = chat_db.stat().st_mtime_ns
    list(READER.read(chat_db))
    assert hashlib.sha256(chat_db.read_bytes()).hexdigest() == before
    assert chat_db.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in chat_db.parent.iterdir()) == ["chat.db"]


def test_apple_dates_in_nanoseconds_and_in_seconds() -> None:
    when = datetime(2023, 6, 1, 12, 30, tzinfo=timezone.utc)
    seconds = int((when - datetime(2001, 1, 1, tzinfo=timezone.utc)).total_seconds())
    assert apple_time(seconds * 1_000_000_000) == when
    assert apple_time(seconds) == when  # pre-10.13 databases store seconds
    assert apple_time(0) is None and apple_time(None) is None


def test_old_database_with_second_dates_reads(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    write_chat_db(path, _chats()[:1])
    db = sqlite3.connect(path)
    db.execute("UPDATE message SET date = date / 1000000000")
    db.commit()
    db.close()
    docs, _ = _docs(path)
    assert docs[0].timestamp == T0


def test_tapbacks_are_skipped_and_broken_rows_do_not_stop_the_read(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    write_chat_db(path, _chats()[:1])
    db = sqlite3.connect(path)
    db.execute("UPDATE message SET associated_message_type = 2000, text = 'Loved “x”' WHERE ROWID = 4")
    db.execute("UPDATE message SET text = NULL, attributedBody = X'00FF00' WHERE ROWID = 1")
    db.commit()
    db.close()
    docs, failures = _docs(path)
    assert failures == []
    bodies = "\n".join(d.body for d in docs)
    assert "Loved" not in bodies and "sábado" not in bodies
    assert "Combinado" in bodies and "Jantar" not in bodies  # undecodable blob: message dropped


def test_a_corrupt_file_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    assert READER.sniff(path, read_head(path)) == 0.0
    items = list(READER.read(path))
    assert len(items) == 1 and isinstance(items[0], ReadFailure)
    assert items[0].error.startswith("unreadable Messages database")
