"""Read Telegram Desktop JSON exports (one chat, or a full export with ``chats.list``) into windows.

``text`` is a string or a list of strings and entity objects (``{"type": "link", "text": ...}``);
``text_entities`` is used when ``text`` is absent. Service messages (joins, calls, pins) are
skipped. ``date_unixtime`` is the true instant; when ``date`` (the exporting machine's wall clock)
is also present, their difference is kept as the UTC offset. A truncated or invalid JSON file gives
one ReadFailure naming the position where parsing stopped.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem, head_text
from indexer.sources.messages.windows import (
    ChatMessage,
    assume_local,
    load_json_export,
    windows_to_documents,
)

_STRONG_KEYS = ('"date_unixtime"', '"text_entities"', '"from_id"', '"personal_information"')
_TYPE_MESSAGE = re.compile(r'"type"\s*:\s*"(?:message|service|personal_chat|private_group|'
                           r'private_supergroup|public_supergroup|private_channel|public_channel|'
                           r'saved_messages|bot_chat)"')
_FOREIGN_KEYS = ('"guild"', '"sender_name"', '"timestamp_ms"', '"participants"')


def flatten_text(value: Any) -> str:
    """Join Telegram's ``text`` (string, or list of strings and entity dicts) into plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(flatten_text(part) for part in value)
    if isinstance(value, dict):
        return flatten_text(value.get("text"))
    return str(value)


def _timestamp(message: dict[str, Any]) -> tuple[datetime | None, int | None]:
    """Return (aware time, UTC offset in minutes when known)."""
    local: datetime | None = None
    if isinstance(message.get("date"), str):
        try:
            local = datetime.fromisoformat(message["date"])
        except ValueError:
            local = None
    unix = message.get("date_unixtime")
    if unix is not None:
        try:
            instant = datetime.fromtimestamp(int(unix), tz=timezone.utc)
        except (TypeError, ValueError, OverflowError, OSError):
            instant = None
        if instant is not None:
            if local is not None and local.tzinfo is None:
                offset = local - instant.replace(tzinfo=None)
                minutes = round(offset.total_seconds() / 60)
                if abs(minutes) <= 14 * 60 and minutes % 15 == 0:
                    return instant.astimezone(timezone(timedelta(minutes=minutes))), minutes
            return instant, None
    if local is not None:
        return assume_local(local), None
    return None, None


def _attachments(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("photo", "file"):
        value = message.get(key)
        if isinstance(value, str) and value:
            names.append(Path(value).name if not value.startswith("(") else message.get("media_type", key))
    if not names and message.get("media_type"):
        names.append(str(message["media_type"]))
    return [str(n) for n in names]


def _extra_text(message: dict[str, Any]) -> str:
    poll = message.get("poll")
    if isinstance(poll, dict) and poll.get("question"):
        answers = [flatten_text(a.get("text")) for a in poll.get("answers", []) if isinstance(a, dict)]
        return f"Poll: {flatten_text(poll['question'])} ({', '.join(answers)})"
    contact = message.get("contact_information")
    if isinstance(contact, dict):
        return "Contact: " + " ".join(str(contact.get(k, "")) for k in ("first_name", "last_name", "phone_number")).strip()
    location = message.get("location_information")
    if isinstance(location, dict):
        return f"Location: {location.get('latitude')}, {location.get('longitude')}"
    return ""


def _chat_messages(chat: dict[str, Any], chat_id: str, title: str, source: str,
                   failures: list[ReadFailure]) -> list[ChatMessage]:
    result: list[ChatMessage] = []
    for index, message in enumerate(chat.get("messages") or []):
        if not isinstance(message, dict):
            failures.append(ReadFailure(source, "message is not a JSON object", f"{chat_id}:#{index}"))
            continue
        if message.get("type", "message") != "message":
            continue
        message_id = str(message.get("id", index))
        text = flatten_text(message.get("text")) or flatten_text(message.get("text_entities"))
        extra_text = _extra_text(message)
        if extra_text:
            text = f"{text}\n{extra_text}" if text else extra_text
        files = _attachments(message)
        if not text.strip() and not files:
            continue
        when, offset = _timestamp(message)
        author = message.get("from") or message.get("from_id") or message.get("actor") or "unknown"
        extra: dict[str, Any] = {}
        if offset is not None:
            extra["tz_offset_minutes"] = offset
        if message.get("reply_to_message_id") is not None:
            extra["reply_to"] = str(message["reply_to_message_id"])
        result.append(ChatMessage(chat_id=chat_id, chat_title=title, message_id=message_id,
                                  author=str(author), timestamp=when, text=text, attachments=files,
                                  extra=extra))
    return result


def _chats(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("messages"), list):
        return [data]
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        section = data.get(key)
        if isinstance(section, dict) and isinstance(section.get("list"), list):
            chats.extend(c for c in section["list"] if isinstance(c, dict))
    return chats


def _title(chat: dict[str, Any], chat_id: str) -> str:
    name = chat.get("name")
    kind = chat.get("type")
    if kind == "saved_messages":
        return "Telegram Saved Messages"
    if name and kind in ("personal_chat", "bot_chat"):
        return f"Telegram chat with {name}"
    return str(name) if name else f"Telegram chat {chat_id}"


class TelegramReader:
    """Telegram Desktop ``result.json`` exports."""

    name = "messages.telegram"
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        if not text.startswith("{"):
            return 0.0
        if any(key in text for key in _FOREIGN_KEYS):
            return 0.0
        if any(key in text for key in _STRONG_KEYS):
            return 0.9
        if '"chats"' in text and '"list"' in text:
            return 0.8
        if '"messages"' in text and _TYPE_MESSAGE.search(text) and ('"from"' in text or '"date"' in text):
            return 0.6
        return 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        data = load_json_export(path, "Telegram")
        if isinstance(data, ReadFailure):
            yield data
            return
        chats = _chats(data)
        if not chats:
            yield ReadFailure(source, "no Telegram chats in this JSON file")
            return
        failures: list[ReadFailure] = []
        messages: list[ChatMessage] = []
        members: dict[str, list[str]] = {}
        seen: set[str] = set()
        for number, chat in enumerate(chats):
            chat_id = str(chat["id"]) if chat.get("id") is not None else (
                path.stem if len(chats) == 1 else f"{path.stem}-{number}")
            if chat_id in seen:
                chat_id = f"{chat_id}-{number}"
            seen.add(chat_id)
            chat_messages = _chat_messages(chat, chat_id, _title(chat, chat_id), source, failures)
            members[chat_id] = list(dict.fromkeys(m.author for m in chat_messages if m.author))
            messages.extend(chat_messages)
        yield from failures
        yield from windows_to_documents(messages, source_path=source, app="telegram", members=members)


READER = TelegramReader()
