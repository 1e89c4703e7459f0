"""Result models of the built-in intents (their output schemas). Every item a READ intent returns
carries citation fields: document ``id``, ``title``, ``path``, ``locator`` and a ``snippet``."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Citation(BaseModel):
    id: str = Field(description="Document id (kith show ID)")
    kind: str = ""
    title: str = ""
    path: str = Field("", description="Source file")
    locator: str = Field("", description="Where the item is inside the source file")
    snippet: str = ""
    timestamp: str | None = None


class SearchHit(Citation):
    author: str | None = None
    score: float = 0.0


class SearchResults(BaseModel):
    query: str
    count: int
    hits: list[SearchHit]


class PhotoItem(Citation):
    place: str | None = None
    people: list[str] = Field(default_factory=list)
    gps: dict[str, Any] | None = None


class PhotoResults(BaseModel):
    count: int
    photos: list[PhotoItem]


class EventItem(Citation):
    location: str | None = None
    end: str | None = None
    starts_in_days: float | None = None


class NextEventResult(BaseModel):
    now: str
    event: EventItem | None = None


class ThreadMessage(Citation):
    author: str | None = None


class ThreadSummary(BaseModel):
    subject: str
    participants: list[str]
    message_count: int
    summary: str
    messages: list[ThreadMessage]
    mode: str = "extractive"  # or "generative": written by the on-device model, every sentence checked


class ContactCard(Citation):
    name: str
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    birthday: str | None = None
    org: str | None = None
    addresses: list[Any] = Field(default_factory=list)
    related: list[Any] = Field(default_factory=list)


class DraftReceipt(BaseModel):
    path: str = Field(description="The .eml file in the outbox Maildir")
    message_id: str
    to: list[str]
    subject: str


class MessageReceipt(BaseModel):
    id: str
    recipient: str
    address: str | None
    outbox: str = Field(description="The JSONL outbox file the message was appended to")
    queued_at: str


class CalendarReceipt(BaseModel):
    uid: str
    path: str = Field(description="The .ics file the entry was appended to")
    summary: str
    start: str | None = None


class ForgetReceipt(BaseModel):
    id: str
    title: str
    documents_removed: int
