"""Read "SMS Backup & Restore" XML (``<smses>`` with ``<sms>`` and ``<mms>``) into conversation windows.

The file is streamed with defusedxml's ``iterparse`` (no entity expansion, no DTD tricks), so large
backups stay in bounded memory. Messages are grouped by normalised address (several ``~``-joined
addresses make a group chat). ``date`` is UTC milliseconds; ``readable_date`` is the phone's wall
clock, and when it parses their difference is kept as the UTC offset. ``<sms type>`` 1 = received,
2 = sent (3 draft, 4 outbox, 5 failed, 6 queued also count as the owner's); ``<mms msg_box>`` 1 =
received, 2 = sent, the sender being the ``<addr type="137">``. A call-log backup (``<calls>``) holds
no messages and yields nothing; an empty or broken ``<smses>`` file yields a ReadFailure.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem, head_text
from indexer.sources.messages.windows import ChatMessage, windows_to_documents

_OWNER_SMS_TYPES = {"2", "3", "4", "5", "6"}
_SMS_STATUS = {"3": "draft", "4": "outbox", "5": "failed", "6": "queued"}
_MMS_FROM = "137"
_NULLS = {"", "null", "(unknown)"}
_CLOCK = r"(?P<year>\d{4}),? (?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?:[ \u202f\u00a0]?(?P<ampm>[AaPp][Mm]))?$"
_READABLE_RES = (
    re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.? (?P<day>\d{1,2}),? " + _CLOCK),  # Dec 2, 2017 06:49:27
    re.compile(r"^(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3,9})\.? " + _CLOCK),    # 2 Dec 2017 06:49:27
)
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                        "nov", "dec"), start=1)}


def _clean(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value.lower() in _NULLS else value


@lru_cache(maxsize=4096)
def normalise_address(address: str) -> str:
    """A stable chat id for an address list: digits with a leading '+' for phones, lower-case emails."""
    parts = []
    for part in re.split(r"[~,;]", address or ""):
        part = part.strip()
        if not part or part.lower() in _NULLS:
            continue
        if "@" in part or re.search(r"[A-Za-z]", part):
            parts.append(part.lower())
        else:
            digits = re.sub(r"\D", "", part)
            parts.append(("+" if part.startswith("+") else "") + digits if digits else part)
    return "~".join(sorted(dict.fromkeys(parts))) or "unknown"


def _wall_clock(readable: str) -> datetime | None:
    """Parse ``readable_date`` ("Dec 2, 2017 06:49:27", "Jan 1, 2021 1:00:00 AM", "2 Dec 2017 ...")."""
    match = next((m for m in (r.match(readable) for r in _READABLE_RES) if m), None)
    if match is None:
        return None
    month = _MONTHS.get(match["mon"][:3].lower())
    if month is None:
        return None
    hour = int(match["h"])
    if match["ampm"]:
        pm = match["ampm"].lower() == "pm"
        hour = hour % 12 + (12 if pm else 0)
    try:
        return datetime(int(match["year"]), month, int(match["day"]), hour,
                        int(match["m"]), int(match["s"]))
    except ValueError:
        return None


def _timestamp(element: Element) -> tuple[datetime | None, int | None]:
    try:
        instant = datetime.fromtimestamp(int(element.get("date", "")) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None, None
    local = _wall_clock(_clean(element.get("readable_date")))
    if local is not None:
        minutes = round((local - instant.replace(tzinfo=None, microsecond=0)).total_seconds() / 900) * 15
        if abs(minutes) <= 14 * 60:
            return instant.astimezone(_fixed_zone(minutes)), minutes
    return instant, None


@lru_cache(maxsize=256)
def _fixed_zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _title(contact: str, chat_id: str) -> str:
    return f"SMS with {contact}" if contact else f"SMS with {chat_id.replace('~', ', ')}"


class _Collector:
    """Turns ``<sms>``/``<mms>`` elements into ChatMessages."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.messages: list[ChatMessage] = []
        self.members: dict[str, list[str]] = {}
        self.count = 0

    def _chat(self, element: Element) -> tuple[str, str, str]:
        chat_id = normalise_address(element.get("address", ""))
        contact = _clean(element.get("contact_name"))
        members = self.members.setdefault(chat_id, [])
        for name in ([contact] if contact else []) + [a for a in chat_id.split("~") if a != "unknown"]:
            if name not in members:
                members.append(name)
        return chat_id, _title(contact, chat_id), contact

    def sms(self, element: Element) -> None:
        self.count += 1
        chat_id, title, contact = self._chat(element)
        kind = element.get("type", "1")
        from_me = kind in _OWNER_SMS_TYPES
        when, offset = _timestamp(element)
        text = element.get("body") or ""
        if text.strip().lower() == "null":
            text = ""
        if not text.strip():
            return
        extra: dict[str, Any] = {"tz_offset_minutes": offset} if offset is not None else {}
        if kind in _SMS_STATUS:
            extra["status"] = _SMS_STATUS[kind]
        author = "me" if from_me else (contact or chat_id)
        self.messages.append(ChatMessage(chat_id=chat_id, chat_title=title, message_id=str(self.count),
                                         author=author, timestamp=when, text=text, is_from_me=from_me,
                                         extra=extra))

    def mms(self, element: Element) -> None:
        self.count += 1
        chat_id, title, contact = self._chat(element)
        from_me = element.get("msg_box", "1") != "1"
        when, offset = _timestamp(element)
        texts: list[str] = []
        files: list[str] = []
        for part in element.iter("part"):
            content_type = (part.get("ct") or "").lower()
            if content_type == "application/smil":
                continue
            if content_type.startswith("text/plain"):
                if _clean(part.get("text")):
                    texts.append(part.get("text", ""))
            else:
                name = next((_clean(part.get(k)) for k in ("name", "cl", "fn") if _clean(part.get(k))), "")
                files.append(name or content_type or "attachment")
        subject = _clean(element.get("sub"))
        text = "\n".join(texts)
        if subject:
            text = f"{subject}\n{text}" if text else subject
        if not text.strip() and not files:
            return
        sender = next((normalise_address(a.get("address", "")) for a in element.iter("addr")
                       if a.get("type") == _MMS_FROM), "")
        if from_me:
            author = "me"
        elif contact and "~" not in chat_id:
            author = contact
        else:
            author = sender if sender and sender != "unknown" else (contact or "unknown")
        extra: dict[str, Any] = {"tz_offset_minutes": offset} if offset is not None else {}
        self.messages.append(ChatMessage(chat_id=chat_id, chat_title=title, message_id=str(self.count),
                                         author=author, timestamp=when, text=text, is_from_me=from_me,
                                         attachments=files, extra=extra))


class SmsBackupReader:
    """SMS Backup & Restore (Android) XML backups."""

    name = "messages.sms"
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        if not text.startswith("<"):
            return 0.0
        if re.search(r"<smses[\s>]", text):
            return 0.95
        if re.search(r"<calls[\s>]", text):
            return 0.6
        return 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        collector = _Collector(source)
        root: Element | None = None
        root_tag = ""
        error: str | None = None
        try:
            depth = 0
            for event, element in iterparse(str(path), events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root, root_tag = element, element.tag
                    continue
                depth -= 1
                if depth == 1 and element.tag in ("sms", "mms"):
                    try:
                        (collector.sms if element.tag == "sms" else collector.mms)(element)
                    except Exception as exc:  # one odd element must not lose the rest
                        yield ReadFailure(source, f"unreadable <{element.tag}>: {exc}", f"#{collector.count}")
                if depth == 1 and root is not None:
                    root.clear()  # drop finished elements: memory stays bounded on big backups
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            error = f"broken SMS backup XML at line {line} column {column}: {exc}"
        except DefusedXmlException as exc:
            error = f"SMS backup XML uses a forbidden construct: {exc!r}"
        if root_tag == "calls" and error is None:
            return  # a call log: valid, but no messages to index
        if root_tag and root_tag != "smses" and error is None:
            yield ReadFailure(source, f"not an SMS backup: root element <{root_tag}>")
            return
        if error is not None:
            yield ReadFailure(source, f"{error} ({collector.count} messages read before it)")
        elif collector.count == 0:
            yield ReadFailure(source, "SMS backup holds no messages")
        yield from windows_to_documents(collector.messages, source_path=source, app="sms",
                                        members=collector.members)


READER = SmsBackupReader()
