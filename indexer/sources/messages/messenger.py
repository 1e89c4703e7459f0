"""Read Facebook Messenger JSON exports (``message_1.json``) into conversation windows.

The classic "Download your information" export (``participants``, ``messages`` with
``sender_name``, ``timestamp_ms``, ``content``) writes UTF-8 text as if each byte were a Latin-1
character ("OlÃ¡" for "Olá"); every string is repaired with ``s.encode("latin-1").decode("utf-8")``
when that round-trips. The newer end-to-end-encrypted export (``senderName``, ``text``,
``timestamp``) is read as well. Photos, files, stickers and shared links become attachments.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem, head_text
from indexer.sources.messages.windows import ChatMessage, load_json_export, windows_to_documents

_MARKERS = ('"sender_name"', '"timestamp_ms"', '"thread_path"', '"is_still_participant"',
            '"magic_words"', '"senderName"', '"threadName"')
_MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs")


def repair_mojibake(value: str) -> str:
    """Undo Facebook's UTF-8-read-as-Latin-1 encoding; leave strings that do not round-trip alone."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _repair(value: Any) -> Any:
    if isinstance(value, str):
        return repair_mojibake(value)
    if isinstance(value, list):
        return [_repair(v) for v in value]
    if isinstance(value, dict):
        return {k: _repair(v) for k, v in value.items()}
    return value


def _attachments(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in _MEDIA_KEYS:
        for item in message.get(key) or []:
            if isinstance(item, dict) and item.get("uri"):
                names.append(Path(str(item["uri"])).name)
    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        names.append("sticker")
    for item in message.get("media") or []:  # end-to-end-encrypted export
        if isinstance(item, dict) and item.get("uri"):
            names.append(Path(str(item["uri"])).name)
    return names


def _timestamp(message: dict[str, Any]) -> datetime | None:
    value = message.get("timestamp_ms", message.get("timestamp"))
    try:
        millis = float(value)
    except (TypeError, ValueError):
        return None
    if millis < 10**11:  # seconds, not milliseconds
        millis *= 1000
    try:
        return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _participants(data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for item in data.get("participants") or []:
        if isinstance(item, dict) and item.get("name"):
            names.append(str(item["name"]))
        elif isinstance(item, str):
            names.append(item)
    return names


class MessengerReader:
    """Facebook Messenger ``message_N.json`` files."""

    name = "messages.messenger"
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        if not text.startswith("{") or '"participants"' not in text:
            return 0.0
        return 0.85 if any(marker in text for marker in _MARKERS) else 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        data = load_json_export(path, "Messenger")
        if isinstance(data, ReadFailure):
            yield data
            return
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            yield ReadFailure(source, "not a Messenger export: no 'messages' list")
            return
        data = _repair(data)
        members = _participants(data)
        thread = str(data.get("thread_path") or "")
        chat_id = Path(thread).name if thread else path.stem
        name = str(data.get("title") or data.get("threadName") or "").strip()
        if name and len(members) <= 2:
            title = f"Messenger chat with {name}"
        elif name:
            title = name
        else:
            title = f"Messenger chat with {', '.join(members)}" if members else f"Messenger chat {chat_id}"
        messages: list[ChatMessage] = []
        failures: list[ReadFailure] = []
        total = len(data["messages"])
        for index, message in enumerate(data["messages"]):
            number = str(total - index)  # the export lists newest first: number from the oldest
            if not isinstance(message, dict):
                failures.append(ReadFailure(source, "message is not a JSON object", f"{chat_id}:{number}"))
                continue
            text = str(message.get("content") or message.get("text") or "")
            share = message.get("share")
            if isinstance(share, dict) and share.get("link") and share["link"] not in text:
                text = f"{text} {share['link']}".strip()
            files = _attachments(message)
            if not text.strip() and not files:
                continue
            author = str(message.get("sender_name") or message.get("senderName") or "unknown")
            messages.append(ChatMessage(chat_id=chat_id, chat_title=title, message_id=number,
                                        author=author, timestamp=_timestamp(message), text=text,
                                        attachments=files))
        yield from failures
        if not messages:
            yield ReadFailure(source, "Messenger export holds no messages")
            return
        yield from windows_to_documents(messages, source_path=source, app="messenger",
                                        members={chat_id: members})


READER = MessengerReader()
