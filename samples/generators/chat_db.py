"""Write a small macOS Messages ``chat.db`` with the real schema (message, handle, chat, joins, attachments).

``write_chat_db(path, chats)`` is used by tests and the sample-data generator; the reader
``indexer.sources.messages.imessage`` reads back everything written here. Dates are stored as
Apple-epoch (2001-01-01 UTC) nanoseconds, like macOS 10.13 and later. A message with
``attributed_only`` keeps its text only in an ``attributedBody`` typedstream blob (``text`` NULL),
as recent macOS versions do.

``chats`` items::

    {"identifier": "+351912345678", "display_name": "", "members": [optional extra handles],
     "messages": [{"from_me": False, "handle": "+351912345678", "text": "Olá",
                   "when": datetime(..., tzinfo=...), "attributed_only": False,
                   "attachments": [{"filename": "~/Library/Messages/Attachments/x.jpg",
                                    "mime_type": "image/jpeg"}]}]}
"""
from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.sources.messages.typedstream import encode_attributed_body

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)

# Column lists follow macOS 13/14 chat.db (trimmed of nothing that matters to a reader).
SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE handle (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
    service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT,
    UNIQUE (id, service));
CREATE TABLE chat (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER,
    state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT,
    room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0,
    last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0,
    successful_query INTEGER, engram_id TEXT, server_change_token TEXT,
    ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT,
    last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT,
    last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0,
    syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0,
    is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE message (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
    replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT,
    country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0,
    service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER,
    date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0,
    is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
    is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0,
    is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0,
    is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0,
    has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0,
    is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0,
    is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0,
    cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0,
    was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0,
    is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0,
    other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0,
    share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0,
    is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0,
    message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0,
    associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0,
    balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT,
    associated_message_range_location INTEGER DEFAULT 0,
    associated_message_range_length INTEGER DEFAULT 0,
    time_expressive_send_played INTEGER, message_summary_info BLOB,
    ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT, ck_record_change_tag TEXT,
    destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT,
    sort_id INTEGER, is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0,
    thread_originator_guid TEXT, thread_originator_part TEXT, syndication_ranges TEXT,
    synced_syndication_ranges TEXT, was_delivered_quietly INTEGER DEFAULT 0,
    did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER DEFAULT 0,
    date_edited INTEGER DEFAULT 0, was_detonated INTEGER DEFAULT 0,
    part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_kt_verified INTEGER DEFAULT 0,
    is_sos INTEGER DEFAULT 0, is_critical INTEGER DEFAULT 0, bia_reference_id TEXT DEFAULT NULL,
    fallback_hash TEXT DEFAULT NULL);
CREATE TABLE attachment (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT,
    mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0,
    user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0,
    is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB,
    hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0,
    ck_server_change_token_blob BLOB, ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL,
    is_commsafety_sensitive INTEGER DEFAULT 0);
CREATE TABLE chat_handle_join (
    chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (
    chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
    UNIQUE(message_id, attachment_id));
CREATE INDEX chat_message_join_idx_message_date_id_chat_id
    ON chat_message_join(chat_id, message_date, message_id);
CREATE INDEX message_idx_handle ON message(handle_id, date);
"""


def apple_nanoseconds(when: datetime) -> int:
    """Nanoseconds since 2001-01-01 UTC, as stored in ``message.date`` on macOS 10.13+."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = when - APPLE_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _service_for(handle: str) -> str:
    return "iMessage" if "@" in handle or handle.startswith("+") else "SMS"


def _handle_rowid(db: sqlite3.Connection, handle: str, cache: dict[str, int]) -> int:
    if handle not in cache:
        cur = db.execute(
            "INSERT INTO handle (id, country, service, uncanonicalized_id, person_centric_id)"
            " VALUES (?, ?, ?, NULL, NULL)",
            (handle, "pt" if handle.startswith("+351") else "us", _service_for(handle)),
        )
        cache[handle] = int(cur.lastrowid)
    return cache[handle]


def _insert_message(db: sqlite3.Connection, chat_rowid: int, service: str, message: dict[str, Any],
                    handle_cache: dict[str, int]) -> None:
    from_me = bool(message.get("from_me"))
    handle = str(message.get("handle") or "")
    handle_rowid = _handle_rowid(db, handle, handle_cache) if handle else 0
    text = str(message.get("text") or "")
    attributed_only = bool(message.get("attributed_only"))
    date = apple_nanoseconds(message["when"])
    attachments = list(message.get("attachments") or [])
    cur = db.execute(
        "INSERT INTO message (guid, text, handle_id, attributedBody, service, account, date,"
        " date_read, date_delivered, is_delivered, is_finished, is_from_me, is_read, is_sent,"
        " cache_has_attachments, part_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?, 1)",
        (
            str(uuid.uuid4()).upper(),
            None if attributed_only else text,
            handle_rowid,
            encode_attributed_body(text) if text else None,
            service,
            "e:me@example.com" if service == "iMessage" else "p:+10000000000",
            date,
            date if not from_me else 0,
            date,
            int(from_me),
            int(not from_me),
            int(from_me),
            int(bool(attachments)),
        ),
    )
    message_rowid = int(cur.lastrowid)
    db.execute("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
               (chat_rowid, message_rowid, date))
    for item in attachments:
        filename = str(item.get("filename") or "")
        guid = str(uuid.uuid4()).upper()
        att = db.execute(
            "INSERT INTO attachment (guid, created_date, filename, uti, mime_type, transfer_state,"
            " is_outgoing, transfer_name, total_bytes, original_guid)"
            " VALUES (?, ?, ?, ?, ?, 5, ?, ?, ?, ?)",
            (guid, date // 1_000_000_000, filename, item.get("uti", "public.data"),
             item.get("mime_type"), int(from_me), Path(filename).name if filename else None,
             int(item.get("total_bytes", 0)), guid),
        )
        db.execute("INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)",
                   (message_rowid, int(att.lastrowid)))


def write_chat_db(path: Path, chats: list[dict]) -> None:
    """Create (or replace) ``path`` as a Messages database holding ``chats``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', '17100')")
        handle_cache: dict[str, int] = {}
        for chat in chats:
            identifier = str(chat["identifier"])
            messages = list(chat.get("messages") or [])
            handles = sorted({str(m["handle"]) for m in messages if m.get("handle")}
                             | {str(h) for h in chat.get("members") or []})
            is_group = len(handles) > 1 or identifier.startswith("chat")
            service = "iMessage" if is_group or _service_for(identifier) == "iMessage" else "SMS"
            guid = f"{service};{'+' if is_group else '-'};{identifier}"
            cur = db.execute(
                "INSERT INTO chat (guid, style, state, account_id, chat_identifier, service_name,"
                " room_name, display_name, group_id, last_read_message_timestamp)"
                " VALUES (?, ?, 3, ?, ?, ?, ?, ?, ?, 0)",
                (guid, 43 if is_group else 45, str(uuid.uuid4()).upper(), identifier, service,
                 identifier if is_group else None, str(chat.get("display_name") or ""),
                 str(uuid.uuid4()).upper()),
            )
            chat_rowid = int(cur.lastrowid)
            for handle in handles:
                db.execute("INSERT OR IGNORE INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)",
                           (chat_rowid, _handle_rowid(db, handle, handle_cache)))
            for message in sorted(messages, key=lambda m: m["when"]):
                _insert_message(db, chat_rowid, service, message, handle_cache)
        db.commit()
    finally:
        db.close()
