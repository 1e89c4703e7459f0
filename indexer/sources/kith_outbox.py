"""kith's own message outbox (``<home>/outbox/messages.jsonl``, written by the ``send_message``
intent): each queued message is the owner's own sent message, indexed like any chat so that
"what did I text Alice?" finds it. One JSON object per line; a bad line is a failure for that line.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem, head_text
from indexer.sources.messages.windows import ChatMessage, windows_to_documents

OUTBOX_NAME = "messages.jsonl"


class KithOutboxReader:
    name = "kith.outbox"
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        if path.name != OUTBOX_NAME:
            return 0.0
        first = head_text(head).split("\n", 1)[0]
        return 0.95 if first.startswith("{") and '"queued_at"' in first and '"body"' in first else 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        messages: list[ChatMessage] = []
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    when = datetime.fromisoformat(str(record["queued_at"]).replace("Z", "+00:00"))
                    to = str(record.get("to") or record.get("address") or "someone")
                    messages.append(ChatMessage(
                        chat_id=str(record.get("address") or to), chat_title=f"Messages to {to} (kith outbox)",
                        message_id=str(record.get("id") or number), author=str(record.get("from") or "me"),
                        timestamp=when, text=str(record.get("body") or ""), is_from_me=True,
                        extra={"status": record.get("status")}))
                except (ValueError, KeyError, TypeError) as exc:
                    yield ReadFailure(source, f"line {number}: not an outbox record ({exc})", f"line:{number}")
        members: dict[str, list[str]] = {}
        for message in messages:
            names = members.setdefault(message.chat_id, [])
            for value in (message.chat_title.removeprefix("Messages to ").removesuffix(" (kith outbox)"), message.chat_id):
                if value not in names:
                    names.append(value)
        yield from windows_to_documents(messages, source_path=source, app="kith-outbox", members=members)


READER = KithOutboxReader()
