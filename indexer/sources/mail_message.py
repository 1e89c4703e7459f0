"""One raw RFC 822 message -> a mail ``Document`` (or a ``ReadFailure``): parsing with a lenient
fallback, where the message lives (folder, flags), dates, threading ids and the metadata."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.mail_header_text import header_text
from indexer.sources.mail_headers import (
    MailHeaders,
    format_address,
    is_bulk,
    message_ids,
    normalize_message_id,
    parse_date,
)
from indexer.sources.mail_mime import MAX_BODY_CHARS, MailBody, collect_body, part_content_type
from indexer.sources.mail_quotes import strip_quotes_and_signature
from indexer.sources.mail_sniff import header_profile
from indexer.sources.mail_text import truncate

MAX_REFERENCES = 200
SENT_FOLDER = re.compile(r"^[_.]?(sent|sent[ _\-.]?(items|mail|mails|messages|box))$", re.IGNORECASE)


@dataclass
class Location:
    """Where a message lives: its folder (Maildir/Enron folder or mbox name) and Maildir flags."""

    folder: str = ""
    flags: str = ""
    maildir_state: str | None = None  # "cur" / "new" / "tmp" for Maildir files
    from_line: str | None = None  # the mbox ``From `` separator, for a last-resort date


def location_for_file(path: Path) -> Location:
    """Folder and flags from a Maildir/Enron path: ``.../sent_items/12.``, ``.../Sent/cur/123:2,RS``."""
    name, parent = path.name, path.parent
    flags = ""
    for marker in (":2,", "!2,", ";2,"):
        if marker in name:
            flags = name.split(marker, 1)[1]
            break
    state = None
    if parent.name in ("cur", "new", "tmp"):
        state = parent.name
        parent = parent.parent
    folder = parent.name
    if folder.startswith(".") and len(folder) > 1:  # Maildir++ ".Sent" / ".INBOX.Archive"
        folder = folder[1:]
    return Location(folder=folder, flags=flags, maildir_state=state)


def is_sent_folder(folder: str) -> bool:
    last = re.split(r"[./\\]", folder.strip("./\\"))[-1] if folder else ""
    return bool(SENT_FOLDER.match(last.strip()))


def _has_header_block(raw: bytes) -> bool:
    return header_profile(raw[:65536]).header_lines > 0


_HEADER_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_SPACE_BEFORE_COLON = re.compile(rb"(?m)^([!-9;-~]+)[ \t]+:")


def _normalize_header_block(raw: bytes) -> bytes:
    """Rewrite obsolete ``Name  : value`` header lines (RFC 822 allowed the space) to ``Name: value``."""
    end = _HEADER_END.search(raw, 0, 1 << 20)
    cut = end.start() if end else min(len(raw), 1 << 20)
    block = raw[:cut]
    if not _SPACE_BEFORE_COLON.search(block):
        return raw
    return _SPACE_BEFORE_COLON.sub(rb"\1:", block) + raw[cut:]


def _parse(raw: bytes, use_default_policy: bool) -> tuple[Message, MailBody]:
    parser = BytesParser(policy=policy.default if use_default_policy else policy.compat32)
    msg = parser.parsebytes(_normalize_header_block(raw))
    body = MailBody()
    collect_body(msg, body)
    return msg, body


def parse_message(raw: bytes, path: Path, locator: str, location: Location, notes: list[str] | None = None) -> ReadItem:
    """One RFC 822 message (bytes) -> a Document, or a ReadFailure with a clear reason. Never raises."""
    source = str(path)
    try:
        if not raw.strip():
            return ReadFailure(source, "empty file" if locator == "msg" else "empty message", locator)
        raw = raw.lstrip(b"\r\n")
        if not _has_header_block(raw):
            return ReadFailure(source, "no RFC 822 headers", locator)
        notes = list(notes or [])
        try:
            msg, body = _parse(raw, use_default_policy=True)
        except Exception as first:  # policy.default trips over some broken headers: retry leniently
            try:
                msg, body = _parse(raw, use_default_policy=False)
            except Exception as exc:
                return ReadFailure(source, f"cannot parse message: {type(exc).__name__}: {exc}", locator)
            notes.append(f"parsed with compat32 after policy.default failed ({type(first).__name__})")
        return _build_document(msg, body, source, locator, location, notes)
    except Exception as exc:  # last line of defence: one bad message must not stop the run
        return ReadFailure(source, f"cannot read message: {type(exc).__name__}: {exc}", locator)


def _build_document(msg: Message, body: MailBody, source: str, locator: str, location: Location,
                    notes: list[str]) -> ReadItem:
    headers = MailHeaders(msg, body.charset_hint)
    if not headers.items:
        return ReadFailure(source, "no RFC 822 headers", locator)
    metadata: dict[str, Any] = {}

    subject = headers.text("subject")
    senders = headers.addresses("from") or headers.addresses("sender")
    author = format_address(*senders[0]) if senders else None
    to, cc, bcc = headers.addresses("to"), headers.addresses("cc"), headers.addresses("bcc")
    participants: list[str] = []
    for display, addr in to + cc + bcc:
        formatted = format_address(display, addr)
        if formatted not in participants:
            participants.append(formatted)

    timestamp = None
    date_raw = headers.raw("date")
    if date_raw is not None:
        timestamp = parse_date(date_raw)
        if timestamp is None:
            metadata["date_raw"] = truncate(header_text(date_raw), 200)[0]
    else:
        for received in headers.raw_all("received")[:1]:
            timestamp = parse_date(received.rsplit(";", 1)[-1]) if ";" in received else None
            if timestamp:
                metadata["date_source"] = "received"
        if timestamp is None and location.from_line:
            parts = location.from_line.split(None, 2)
            timestamp = parse_date(parts[2]) if len(parts) > 2 else None
            if timestamp:
                metadata["date_source"] = "mbox_from_line"
    if timestamp is not None and timestamp.utcoffset() is not None:
        metadata["tz_offset_minutes"] = int(timestamp.utcoffset().total_seconds() // 60)

    message_id = normalize_message_id(headers.raw("message-id"))
    in_reply_to_ids = message_ids(headers.raw("in-reply-to"))
    references = message_ids(" ".join(headers.raw_all("references")))
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[-(MAX_REFERENCES - 1):]
        notes.append(f"references capped at {MAX_REFERENCES}")
    in_reply_to = in_reply_to_ids[0] if in_reply_to_ids else None

    text = "\n\n".join(body.texts).replace("\r\n", "\n").replace("\r", "\n")
    text, cut = truncate(text, MAX_BODY_CHARS)
    if cut:
        notes.append(f"body truncated to {MAX_BODY_CHARS} characters")

    metadata.update({
        "message_id": message_id,
        "in_reply_to": in_reply_to,
        "references": references,
        "thread_root": references[0] if references else (in_reply_to or message_id),
        "from_address": (senders[0][1].lower() or None) if senders else None,
        "to": [addr.lower() for _, addr in to if addr],
        "cc": [addr.lower() for _, addr in cc if addr],
        "bcc": [addr.lower() for _, addr in bcc if addr],
        "folder": location.folder,
        "flags": location.flags,
        "is_sent": is_sent_folder(location.folder),
        "bulk": is_bulk(headers, (senders[0][1].lower() or None) if senders else None),
        "content_type": part_content_type(msg),
        "charset_errors": bool(body.charset_errors or headers.charset_errors),
        "attachments": body.attachments,
    })
    if location.maildir_state:
        metadata["maildir_state"] = location.maildir_state
    if body.encrypted:
        metadata["encrypted"] = True
    if body.signed:
        metadata["signed"] = True
    all_notes = notes + headers.notes + body.notes
    if all_notes:
        metadata["notes"] = all_notes
    metadata["truncated"] = any(("truncated" in note or "capped" in note or "larger than" in note)
                                for note in all_notes)
    return Document(
        kind="mail",
        source_path=source,
        locator=locator,
        title=subject,
        body=text,
        timestamp=timestamp,
        author=author,
        participants=participants,
        metadata=metadata,
        embed_text=strip_quotes_and_signature(text),
        uid=message_id,
    )
