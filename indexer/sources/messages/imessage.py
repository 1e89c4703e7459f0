"""Read a macOS Messages database (``~/Library/Messages/chat.db``) into conversation windows.

The database is opened read-only (``mode=ro`` URI; never ``immutable``, since Messages may be
writing to it). Dates are Apple-epoch (2001-01-01 UTC) nanoseconds, or seconds in databases older
than macOS 10.13; the magnitude tells which. Text missing from ``message.text`` is decoded from the
``attributedBody`` typedstream. Tapback reactions (``associated_message_type`` 2000-3999) are
skipped; messages sent by the owner get the author ``"me"``.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.messages.typedstream import decode_attributed_body
from indexer.sources.messages.windows import ChatMessage, windows_to_documents

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = {"message", "handle", "chat", "chat_message_join"}
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)
_NANOSECOND_THRESHOLD = 10**11  # 10**11 s after 2001 is year 5170: larger values are nanoseconds
_OBJECT_REPLACEMENT = "\ufffc"


def apple_time(value: int | float | None) -> datetime | None:
    """Convert a ``message.date`` value (ns or s since 2001-01-01 UTC) to an aware datetime."""
    if not value:
        return None
    seconds = value / 1e9 if abs(value) > _NANOSECOND_THRESHOLD else float(value)
    try:
        return APPLE_EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    db.row_factory = sqlite3.Row
    db.text_factory = lambda raw: raw.decode("utf-8", errors="replace")  # bad bytes never abort a read
    return db


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _col(available: set[str], table_alias: str, name: str) -> str:
    return f"{table_alias}.{name}" if name in available else "NULL"


class IMessageReader:
    """macOS Messages ``chat.db`` (SQLite)."""

    name = "messages.imessage"
    kind = "message"
    filenames = ("chat.db",)

    def sniff(self, path: Path, head: bytes) -> float:
        if not head.startswith(SQLITE_MAGIC):
            return 0.0
        try:
            db = _connect(path)
            try:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                db.close()
        except (sqlite3.Error, UnicodeDecodeError):
            return 0.0
        return 0.95 if REQUIRED_TABLES <= tables else 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        failures: list[ReadFailure] = []
        try:
            db = _connect(path)
            try:
                messages, members = self._load(db, str(path), failures)
            finally:
                db.close()
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # corrupt header or schema: nothing readable
            yield ReadFailure(str(path), f"unreadable Messages database: {exc}")
            return
        yield from failures
        yield from windows_to_documents(messages, source_path=str(path), app="imessage", members=members)

    # -- loading -----------------------------------------------------------------------------

    def _load(self, db: sqlite3.Connection, source: str,
              failures: list[ReadFailure]) -> tuple[list[ChatMessage], dict[str, list[str]]]:
        chats, members = self._chats(db)
        attachments = self._attachments(db)
        cols = _columns(db, "message")
        query = f"""
            SELECT m.ROWID AS rowid, {_col(cols, 'm', 'guid')} AS guid, m.text AS text,
                   {_col(cols, 'm', 'attributedBody')} AS body, m.date AS date,
                   {_col(cols, 'm', 'is_from_me')} AS from_me, {_col(cols, 'm', 'service')} AS service,
                   {_col(cols, 'm', 'associated_message_type')} AS assoc,
                   h.id AS handle, j.chat_id AS chat_rowid
            FROM message m
            LEFT JOIN chat_message_join j ON j.message_id = m.ROWID
            LEFT JOIN handle h ON h.ROWID = m.handle_id
            ORDER BY j.chat_id, m.date, m.ROWID
        """
        messages: list[ChatMessage] = []
        try:
            rows = db.execute(query)
            for row in rows:
                try:
                    message = self._message(row, chats, attachments)
                except Exception as exc:  # one odd row must not lose the rest
                    failures.append(ReadFailure(source, f"unreadable message row: {exc}", f"message:{row['rowid']}"))
                    continue
                if message is not None:
                    messages.append(message)
        except sqlite3.DatabaseError as exc:
            failures.append(ReadFailure(source, f"chat.db query failed after {len(messages)} messages: {exc}"))
        return messages, members

    def _chats(self, db: sqlite3.Connection) -> tuple[dict[int, tuple[str, str]], dict[str, list[str]]]:
        """Map chat ROWID to (chat_id, title); and chat_id to its member handles."""
        cols = _columns(db, "chat")
        rows = db.execute(
            f"SELECT ROWID AS rowid, guid, chat_identifier, {_col(cols, 'chat', 'display_name')} AS display_name"
            " FROM chat"
        ).fetchall()
        handles: dict[int, list[str]] = {}
        try:
            for row in db.execute(
                "SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id"
                " ORDER BY j.chat_id, h.ROWID"
            ):
                handles.setdefault(int(row[0]), []).append(str(row[1]))
        except sqlite3.Error:
            pass  # older databases without chat_handle_join: members come from authors only
        identifiers = [str(r["chat_identifier"] or r["guid"] or r["rowid"]) for r in rows]
        chats: dict[int, tuple[str, str]] = {}
        members: dict[str, list[str]] = {}
        for row, identifier in zip(rows, identifiers):
            chat_id = identifier if identifiers.count(identifier) == 1 else str(row["guid"] or row["rowid"])
            chat_handles = handles.get(int(row["rowid"]), [])
            display = str(row["display_name"] or "").strip()
            if display:
                title = display
            elif len(chat_handles) > 1:
                title = f"Messages with {', '.join(chat_handles)}"
            else:
                title = f"Messages with {chat_handles[0] if chat_handles else identifier}"
            chats[int(row["rowid"])] = (chat_id, title)
            members[chat_id] = chat_handles
        return chats, members

    def _attachments(self, db: sqlite3.Connection) -> dict[int, list[str]]:
        try:
            rows = db.execute(
                "SELECT j.message_id, a.transfer_name, a.filename, a.mime_type"
                " FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id"
                " ORDER BY j.message_id, a.ROWID"
            ).fetchall()
        except sqlite3.Error:
            return {}
        result: dict[int, list[str]] = {}
        for message_id, transfer_name, filename, mime_type in rows:
            name = transfer_name or (Path(str(filename)).name if filename else None) or mime_type or "attachment"
            result.setdefault(int(message_id), []).append(str(name))
        return result

    def _message(self, row: sqlite3.Row, chats: dict[int, tuple[str, str]],
                 attachments: dict[int, list[str]]) -> ChatMessage | None:
        assoc = row["assoc"] or 0
        if 2000 <= int(assoc) < 4000:
            return None  # a tapback reaction, not a message
        text = row["text"]
        if not text and row["body"] is not None:
            text = decode_attributed_body(row["body"])
        text = (text or "").replace(_OBJECT_REPLACEMENT, "").strip()
        files = attachments.get(int(row["rowid"]), [])
        if not text and not files:
            return None
        from_me = bool(row["from_me"])
        handle = str(row["handle"]) if row["handle"] else None
        if row["chat_rowid"] is not None and int(row["chat_rowid"]) in chats:
            chat_id, title = chats[int(row["chat_rowid"])]
        else:  # a message outside any chat: group it by its handle
            chat_id = handle or "unknown"
            title = f"Messages with {chat_id}"
        return ChatMessage(
            chat_id=chat_id,
            chat_title=title,
            message_id=str(row["rowid"]),
            author="me" if from_me else (handle or "unknown"),
            timestamp=apple_time(row["date"]),
            text=text,
            is_from_me=from_me,
            attachments=list(files),
            extra={"guid": row["guid"], "service": row["service"]},
        )


READER = IMessageReader()
