"""The normalised unit every source reader produces: a Document, or a ReadFailure for one bad item."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from indexer import kinds



@dataclass
class Document:
    """One searchable item (a mail, a conversation window, a photo, a contact card, an event).

    ``locator`` addresses the item inside ``source_path`` (an mbox byte offset, ``chat:msgid``...).
    ``uid`` is the natural de-duplication key when the format has one (a Message-ID); two documents
    with the same kind and uid are the same document seen at two locations.
    ``embed_text`` is what gets chunked and embedded when it differs from ``body`` (for mail: the
    body without quoted replies and signatures). ``body`` is what full-text search sees.
    """

    kind: str
    source_path: str
    locator: str
    title: str
    body: str
    timestamp: datetime | None = None
    author: str | None = None
    participants: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    embed_text: str | None = None
    uid: str | None = None

    def __post_init__(self) -> None:
        kinds.check(self.kind)  # built-in kinds and any a plugin registered
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            # Naive times are taken as UTC so every stored timestamp is comparable.
            self.timestamp = self.timestamp.replace(tzinfo=timezone.utc)

    @property
    def dedup_key(self) -> str:
        """The key that makes this document unique across all locations."""
        return f"{self.kind}:{self.uid}" if self.uid else f"{self.kind}:{self.source_path}#{self.locator}"

    @property
    def stable_id(self) -> str:
        """A short, stable document id derived from the de-duplication key."""
        return hashlib.sha1(self.dedup_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @property
    def text_for_embedding(self) -> str:
        text = self.embed_text if self.embed_text is not None else self.body
        return f"{self.title}\n{text}".strip() if self.title else text

    def content_hash(self) -> str:
        payload = json.dumps(
            [self.kind, self.title, self.body, self.author, self.participants,
             self.timestamp.isoformat() if self.timestamp else None, self.embed_text],
            ensure_ascii=False, default=str,
        )
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class ReadFailure:
    """One item (or a whole file, when ``locator`` is empty) that a reader could not turn into a document."""

    source_path: str
    error: str
    locator: str = ""
