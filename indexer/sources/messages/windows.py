"""Group chat messages into conversation windows and turn each window into one message Document.

Every message reader parses its format into ``ChatMessage`` records and hands them to
``windows_to_documents``. A window is a run of consecutive messages of one chat; a new window starts
when the gap to the previous message exceeds ``gap`` (default 30 minutes) or when adding the message
would push the window past ``max_chars`` characters or ``max_pieces`` estimated word-pieces. Each
message stays addressable through ``metadata["messages"]`` (``chat_id:message_id`` locators).
Also holds small helpers the readers share: ``assume_local``, ``describe_json_error``,
``load_json_export``.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from indexer.document import Document, ReadFailure

DEFAULT_GAP = timedelta(minutes=30)
MAX_WINDOW_CHARS = 1200
MAX_WINDOW_PIECES = 200
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


@dataclass
class ChatMessage:
    """One message of one chat, as parsed from an export. ``author`` is None for system lines.

    ``extra`` holds format-specific details (a guid, a delivery status) and, when the source knows
    it, ``tz_offset_minutes``: the sender's UTC offset at that moment.
    """

    chat_id: str
    chat_title: str
    message_id: str
    author: str | None
    timestamp: datetime | None
    text: str
    is_from_me: bool = False
    attachments: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """The message as one body line: ``Author: text`` (system lines carry no author)."""
        text = self.text
        if self.attachments:
            names = ", ".join(self.attachments)
            text = f"{text} [attachment: {names}]" if text else f"[attachment: {names}]"
        return f"{self.author}: {text}" if self.author else text


def assume_local(naive: datetime) -> datetime:
    """Attach this machine's local time zone to a wall-clock time that came without one."""
    if naive.tzinfo is not None:
        return naive
    try:
        return naive.astimezone()
    except (OverflowError, OSError, ValueError):
        return naive.replace(tzinfo=timezone.utc)


def describe_json_error(exc: json.JSONDecodeError, what: str) -> str:
    """A clear failure reason for a JSON export that does not parse, saying when it looks cut short."""
    truncated = exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string")
    return (f"{'truncated' if truncated else 'invalid'} {what} JSON: {exc.msg}"
            f" at line {exc.lineno} column {exc.colno}")


def load_json_export(path: Path, what: str) -> Any | ReadFailure:
    """Parse a JSON export (a UTF-8 BOM is dropped, bad bytes replaced), or a ReadFailure saying why not."""
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError as exc:
        return ReadFailure(str(path), describe_json_error(exc, what))


def estimate_pieces(text: str) -> int:
    """A cheap word-piece estimate: one per word or symbol, plus one per 6 letters of long words."""
    return sum(1 + (len(tok) - 1) // 6 for tok in _TOKEN.findall(text))


def _split_windows(messages: list[ChatMessage], gap: timedelta, max_chars: int,
                   max_pieces: int) -> Iterator[list[ChatMessage]]:
    window: list[ChatMessage] = []
    chars = pieces = 0
    for message in messages:
        line = message.line()
        line_chars, line_pieces = len(line) + 1, estimate_pieces(line)
        if window:
            previous = window[-1].timestamp
            too_late = (previous is not None and message.timestamp is not None
                        and message.timestamp - previous > gap)
            too_big = chars + line_chars > max_chars or pieces + line_pieces > max_pieces
            if too_late or too_big:
                yield window
                window, chars, pieces = [], 0, 0
        window.append(message)
        chars += line_chars
        pieces += line_pieces
    if window:
        yield window


def _by_chat(messages: Iterable[ChatMessage]) -> dict[str, list[ChatMessage]]:
    chats: dict[str, list[ChatMessage]] = {}
    for message in messages:
        chats.setdefault(message.chat_id, []).append(message)
    for chat_messages in chats.values():
        if all(m.timestamp is not None for m in chat_messages):
            chat_messages.sort(key=lambda m: m.timestamp)  # stable: ties keep file order
    return chats


def _window_document(window: list[ChatMessage], source_path: str, app: str,
                     members: list[str]) -> Document:
    first, last = window[0], window[-1]
    authors = [m.author for m in window if m.author]
    author = Counter(authors).most_common(1)[0][0] if authors else None
    participants = list(dict.fromkeys([*authors, *members]))
    metadata: dict[str, Any] = {
        "source": app,
        "chat_id": first.chat_id,
        "chat_title": first.chat_title,
        "message_count": len(window),
        "messages": [
            {
                "id": m.message_id,
                "locator": f"{m.chat_id}:{m.message_id}",
                "author": m.author,
                "timestamp": m.timestamp.isoformat() if m.timestamp else None,
                "text": m.text,
                **({"attachments": list(m.attachments)} if m.attachments else {}),
                **({"is_from_me": True} if m.is_from_me else {}),
            }
            for m in window
        ],
    }
    if last.timestamp is not None:
        metadata["last_timestamp"] = last.timestamp.isoformat()
    if first.extra.get("tz_offset_minutes") is not None:
        metadata["tz_offset_minutes"] = int(first.extra["tz_offset_minutes"])
    attachments = [a for m in window for a in m.attachments]
    if attachments:
        metadata["attachments"] = attachments
    return Document(
        kind="message",
        source_path=source_path,
        locator=f"{first.chat_id}:{first.message_id}..{last.message_id}",
        title=first.chat_title,
        body="\n".join(m.line() for m in window),
        timestamp=first.timestamp,
        author=author,
        participants=participants,
        metadata=metadata,
    )


def windows_to_documents(
    messages: Iterable[ChatMessage],
    *,
    source_path: str,
    app: str,
    members: dict[str, list[str]] | None = None,
    gap: timedelta = DEFAULT_GAP,
    max_chars: int = MAX_WINDOW_CHARS,
    max_pieces: int = MAX_WINDOW_PIECES,
) -> Iterator[Document]:
    """Yield one ``Document(kind="message")`` per conversation window.

    ``members`` maps a chat id to its known members (added to every window's participants).
    A reader that knows a message's real UTC offset puts it in ``extra["tz_offset_minutes"]``; the
    window keeps its first message's offset in ``metadata["tz_offset_minutes"]``.
    """
    members = members or {}
    for chat_id, chat_messages in _by_chat(messages).items():
        for window in _split_windows(chat_messages, gap, max_chars, max_pieces):
            yield _window_document(window, source_path, app, members.get(chat_id, []))
