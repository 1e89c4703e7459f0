"""Mail readers: ``mail.eml`` (one RFC 822 message per file: .eml, Maildir and Enron-style numbered
files) and ``mail.mbox`` (a stream of messages separated by ``From `` lines, read without loading the
whole file). Both turn each message into a ``Document(kind="mail")`` or a ``ReadFailure``.

Parsing uses the stdlib ``email`` package with ``policy.default`` (falling back to ``compat32``), but
every header is decoded from its raw value by ``mail_text`` so that broken headers and bogus charsets
degrade to replacement characters instead of exceptions.
"""
from __future__ import annotations

import email.utils
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any, BinaryIO

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.mail_text import (
    decode_bytes,
    decode_rfc2047,
    header_text,
    html_to_text,
    split_addresses,
    strip_quotes_and_signature,
    truncate,
)

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # raw bytes of one message that are parsed; the rest is dropped
MAX_BODY_CHARS = 2_000_000
MAX_HTML_CHARS = 4_000_000
MAX_HEADER_CHARS = 16_384
MAX_REFERENCES = 200
MAX_ATTACHMENTS = 500
MAX_MIME_DEPTH = 40
MIN_YEAR, MAX_YEAR = 1900, 2100  # a Date outside these years is treated as unparseable

EML_EXTENSIONS = {".eml", ".emlx", ".mim", ".mime", ".rfc822"}
MBOX_EXTENSIONS = {".mbox", ".mbx"}
KNOWN_HEADERS = {
    "return-path", "received", "from", "to", "cc", "bcc", "subject", "date", "message-id",
    "mime-version", "content-type", "content-transfer-encoding", "delivered-to", "reply-to",
    "sender", "in-reply-to", "references", "x-mailer", "x-apparently-to", "dkim-signature",
    "x-original-to", "envelope-to", "thread-topic", "thread-index", "x-originating-ip",
    "authentication-results", "list-id", "x-spam-status", "x-spam-checker-version", "user-agent",
    "newsgroups", "x-from", "x-to", "importance", "x-priority", "recieved", "errors-to",
}
STRONG_HEADERS = {
    "from", "to", "subject", "message-id", "received", "return-path", "delivered-to",
    "x-apparently-to", "in-reply-to", "recieved", "newsgroups",
}  # "date" and "content-type" alone also open HTTP dumps, so they do not count as strong
SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
TEXT_ATTACHMENT_TYPES = {"text/calendar", "text/vcard", "text/x-vcard", "text/directory"}
SENT_FOLDER = re.compile(r"^[_.]?(sent|sent[ _\-.]?(items|mail|mails|messages|box))$", re.IGNORECASE)

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,80}[ \t]*:")
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")
_FROM_SEPARATOR = re.compile(rb"^From \S*.*\d{1,2}:\d{2}")  # envelope sender ... time
_FROM_ASCTIME = re.compile(rb"^From \S+\s+\w{3} \w{3} [ \d]?\d \d\d:\d\d(:\d\d)? (\S+ )?\d{4}")
_MSGID = re.compile(r"<([^<>\s]+)>")
_UUENCODE_BEGIN = re.compile(r"(?m)^begin [0-7]{3,4} ([^\r\n]+)$")
_UUENCODE_END = re.compile(r"(?m)^end[ \t]*$")


# --- sniffing ------------------------------------------------------------------------------------

@dataclass
class HeaderProfile:
    """What the first bytes of a file say about an RFC 822 header block."""

    from_line: bool = False  # the file starts with an mbox ``From `` line
    header_lines: int = 0
    known: set[str] = field(default_factory=set)
    starts_with_header: bool = False


def header_profile(head: bytes) -> HeaderProfile:
    """Count header-like lines at the start of ``head`` (stops at the first blank or non-header line)."""
    profile = HeaderProfile()
    lines = _LINE_SPLIT.split(head.lstrip(b"\xef\xbb\xbf").lstrip(b"\r\n"))
    index = 0
    if lines and lines[0].startswith(b"From ") and not lines[0].startswith(b"From: "):
        profile.from_line = True
        index = 1
    # Some archives cut the first Received header: allow a few leading continuation lines.
    leading = 0
    while index < len(lines) and lines[index][:1] in (b" ", b"\t") and leading < 64:
        index += 1
        leading += 1
    for number, line in enumerate(lines[index:]):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        match = _HEADER_LINE.match(line)
        if not match:
            if number == len(lines) - index - 1:
                continue  # the last line of the head may be cut mid-way
            break
        if number == 0:
            profile.starts_with_header = True
        profile.header_lines += 1
        name = match.group(0)[:-1].strip().decode("ascii", "replace").lower()
        if name in KNOWN_HEADERS:
            profile.known.add(name)
    return profile


def looks_like_mail(profile: HeaderProfile) -> bool:
    """Several header lines, at least two of them well-known mail headers, one a strong one."""
    return (
        profile.starts_with_header
        and profile.header_lines >= 3
        and len(profile.known) >= 2
        and bool(profile.known & STRONG_HEADERS)
    )


# --- one message -----------------------------------------------------------------------------------

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


_BULK_PRECEDENCE = re.compile(r"^\s*(bulk|list|junk)\b", re.IGNORECASE)
_AUTOMATED_SENDER = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|newsletter|notifications?|mailer-daemon)\b",
                               re.IGNORECASE)


def is_bulk(headers: "_Headers", from_address: str | None) -> bool:
    """Mailing-list, newsletter or automated mail (RFC 2369/3834 headers, or a no-reply sender)."""
    if headers.raw("list-unsubscribe") or headers.raw("list-id"):
        return True
    if _BULK_PRECEDENCE.match(headers.raw("precedence") or ""):
        return True
    auto = (headers.raw("auto-submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    return bool(from_address and _AUTOMATED_SENDER.match(from_address.split("@", 1)[0]))


def is_sent_folder(folder: str) -> bool:
    last = re.split(r"[./\\]", folder.strip("./\\"))[-1] if folder else ""
    return bool(SENT_FOLDER.match(last.strip()))


@dataclass
class _Body:
    texts: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    charset_errors: bool = False
    notes: list[str] = field(default_factory=list)
    encrypted: bool = False
    signed: bool = False
    charset_hint: str | None = None  # first legacy charset declared by a text part


class _Headers:
    """Raw header access with robust decoding (never the policy's lazy header objects)."""

    def __init__(self, msg: Message, fallback_charset: str | None = None) -> None:
        self.fallback_charset = fallback_charset
        self.items: list[tuple[str, str]] = []
        for name, value in msg.raw_items():
            self.items.append((str(name).strip().lower(), value if isinstance(value, str) else str(value)))
        self.charset_errors = False
        self.notes: list[str] = []

    def raw_all(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def raw(self, name: str) -> str | None:
        values = self.raw_all(name)
        return values[0] if values else None

    def text(self, name: str) -> str:
        """Unfolded, RFC 2047-decoded and capped header value ("" when absent)."""
        raw = self.raw(name)
        if raw is None:
            return ""
        unfolded, too_long = truncate(header_text(raw, self.fallback_charset), 4 * MAX_HEADER_CHARS)
        value, bad = decode_rfc2047(unfolded)
        self.charset_errors = self.charset_errors or bad
        value, cut = truncate(value, MAX_HEADER_CHARS)
        if cut or too_long:
            self.notes.append(f"header {name} truncated to {MAX_HEADER_CHARS} characters")
        return value

    def addresses(self, *names: str) -> list[tuple[str, str]]:
        """(display name, address) pairs from address headers; broken ones are skipped, never raised."""
        values = []
        for name in names:
            for raw in self.raw_all(name):
                value, cut = truncate(header_text(raw, self.fallback_charset), MAX_HEADER_CHARS)
                if cut:
                    self.notes.append(f"header {name} truncated to {MAX_HEADER_CHARS} characters")
                values.append(value)
        pairs = [pair for value in values for pair in split_addresses(value)]
        result: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for display, addr in pairs:
            display_text, bad = decode_rfc2047(display)
            self.charset_errors = self.charset_errors or bad
            display_text = re.sub(r"[ \t\r\n]+", " ", display_text).strip("\"' ")
            if "=?" in addr:  # an encoded word where the address should be (spam does this)
                decoded_pairs = split_addresses(decode_rfc2047(addr)[0])
                if decoded_pairs:
                    display_text = display_text or decoded_pairs[0][0]
                    addr = decoded_pairs[0][1]
            addr = "".join((addr or "").split()).strip("<>")
            if not addr and not display_text:
                continue
            key = (display_text, addr.lower())
            if key not in seen:
                seen.add(key)
                result.append((display_text, addr))
        return result


def _format_address(display: str, addr: str) -> str:
    """``Name <addr>``, or just the address (or just the name when the address is empty)."""
    if display and addr and display.lower() != addr.lower():
        return f"{display} <{addr}>"
    return addr or display


def normalize_message_id(value: str | None) -> str | None:
    """``<ABC@Example.com>`` -> ``abc@example.com``; None when there is no usable id."""
    if not value:
        return None
    text = header_text(value)
    match = _MSGID.search(text)
    ident = match.group(1) if match else (text.split()[0] if text.split() else "")
    ident = ident.strip("<>").strip().lower()
    return ident[:998] or None


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    text = header_text(value)
    ids = _MSGID.findall(text) or [token for token in text.split() if "@" in token]
    out: list[str] = []
    for ident in ids:
        ident = ident.strip("<>,").strip().lower()
        if ident and ident not in out:
            out.append(ident)
    return out


def parse_date(raw: str | None) -> datetime | None:
    """An RFC 5322 date (or a looser one) as an aware datetime; None when it cannot be read."""
    if not raw:
        return None
    text = header_text(raw)
    without_comments = re.sub(r"\([^)]*\)", " ", text).strip()
    candidates = [text, without_comments, re.sub(r"\s*:\s*", ":", without_comments)]
    for candidate in candidates:
        try:
            parsed = email.utils.parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if parsed is not None:
            return _plausible(parsed)
    try:
        from dateutil import parser as date_parser

        parsed = date_parser.parse(candidates[-1], fuzzy=False)
    except (ValueError, OverflowError, TypeError, LookupError):
        return None
    if str(parsed.year) not in text:
        return None  # dateutil filled the year in from today
    return _plausible(parsed)


def _plausible(parsed: datetime) -> datetime | None:
    """Aware datetime, or None for years no mail was sent in (spam and test files use 3609)."""
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _safe(call: Any, default: Any = None) -> Any:
    try:
        return call()
    except Exception:
        return default


def _content_type(part: Message) -> str:
    return _safe(part.get_content_type, "text/plain") or "text/plain"


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename) or _safe(lambda: part.get_param("name"))
    if isinstance(name, tuple):  # an RFC 2231 triple that get_param did not collapse
        name = email.utils.collapse_rfc2231_value(name)
    if not name:
        return None
    text, _ = decode_rfc2047(header_text(str(name)))
    return text.strip() or None


def _payload_bytes(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True))
    if isinstance(data, bytes):
        return data
    raw = _safe(part.get_payload, "")
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message, body: _Body) -> str:
    charset = _safe(part.get_content_charset)
    if charset and body.charset_hint is None and charset.lower() not in ("us-ascii", "ascii", "utf-8", "utf8"):
        body.charset_hint = charset
    text, bad = decode_bytes(_payload_bytes(part), charset)
    body.charset_errors = body.charset_errors or bad
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _add_attachment(body: _Body, filename: str | None, content_type: str, size: int) -> None:
    if len(body.attachments) >= MAX_ATTACHMENTS:
        if not any(note.startswith("attachments") for note in body.notes):
            body.notes.append(f"attachments list capped at {MAX_ATTACHMENTS}")
        return
    body.attachments.append({"filename": filename, "content_type": content_type, "size": size})


def _extract_uuencoded(text: str, body: _Body) -> str:
    """Record old-style inline ``begin 644 name`` blocks as attachments and drop them from the text.

    Scans forward only (each ``begin`` looks for the next ``end``), so hostile input stays linear.
    """
    if "begin " not in text:
        return text
    out: list[str] = []
    position = 0
    while True:
        begin = _UUENCODE_BEGIN.search(text, position)
        if not begin:
            break
        end = _UUENCODE_END.search(text, begin.end())
        if not end:
            break
        name = begin.group(1).strip()
        size = sum(max(0, (ord(line[0]) - 32) & 63) for line in text[begin.end():end.start()].splitlines() if line)
        _add_attachment(body, name, mimetypes.guess_type(name)[0] or "application/octet-stream", size)
        out.append(text[position:begin.start()])
        out.append(f"[attachment: {name}]")
        position = end.end()
    out.append(text[position:])
    return "".join(out)


def _pick_alternative(children: list[Message]) -> Message | None:
    """Prefer a non-empty text/plain alternative, then HTML, then anything else (the last one)."""
    for wanted in ("text/plain", "text/html"):
        for child in children:
            if _content_type(child) == wanted and _payload_bytes(child).strip():
                return child
    for child in children:
        if _content_type(child).startswith("multipart/"):
            return child
    return children[-1] if children else None


_BOUNDARY_LINE = re.compile(rb"(?:^|[\r\n])--([!-~][ -~]{0,198}?)[ \t]*(?=\r|\n|$)")


def _recover_multipart(part: Message, ctype: str) -> Message | None:
    """A multipart whose boundary parameter was lost (bad folding, missing quote): guess the boundary
    from the first ``--boundary`` line of the payload and parse it again."""
    data = _payload_bytes(part)
    match = _BOUNDARY_LINE.search(data)
    if not match:
        return None
    boundary = match.group(1)
    if boundary.endswith(b"--") and data.count(b"--" + boundary) == 1:
        boundary = boundary[:-2]
    if b'"' in boundary or not boundary:
        return None
    header = b"Content-Type: " + ctype.encode("ascii", "replace") + b'; boundary="' + boundary + b'"\r\n\r\n'
    recovered = _safe(lambda: BytesParser(policy=policy.compat32).parsebytes(header + data))
    if recovered is None or not isinstance(_safe(recovered.get_payload), list) or not recovered.get_payload():
        return None
    return recovered


def _render_headers(block: Message) -> str:
    lines = []
    for name, value in block.raw_items():
        decoded, _ = decode_rfc2047(header_text(str(value)))
        lines.append(f"{name}: {decoded}")
    return "\n".join(lines)


def _collect(part: Message, body: _Body, depth: int = 0) -> None:
    """Walk the MIME tree: text goes to ``body.texts``, everything else to ``body.attachments``."""
    if depth > MAX_MIME_DEPTH:
        if "MIME nesting too deep" not in body.notes:
            body.notes.append("MIME nesting too deep")
        return
    ctype = _content_type(part)
    disposition = _safe(part.get_content_disposition)
    payload = _safe(part.get_payload)
    if ctype == "message/delivery-status" and isinstance(payload, list):
        body.texts.append("\n\n".join(_render_headers(block) for block in payload if isinstance(block, Message)))
        return
    if ctype in ("message/rfc822", "message/global") and isinstance(payload, list):
        inner = next((item for item in payload if isinstance(item, Message)), None)
        if inner is None:
            return
        inner_headers = _Headers(inner)
        _add_attachment(body, _filename(part) or inner_headers.text("subject") or None, ctype,
                        len(_safe(inner.as_bytes, b"") or b""))
        if disposition != "attachment":
            summary = "\n".join(
                f"{label}: {inner_headers.text(name)}"
                for label, name in (("From", "from"), ("Date", "date"), ("Subject", "subject"))
                if inner_headers.raw(name)
            )
            body.texts.append(f"---------- Attached message ----------\n{summary}")
            _collect(inner, body, depth + 1)
        return
    if ctype.startswith("multipart/") and not isinstance(payload, list):
        recovered = _recover_multipart(part, ctype)
        if recovered is not None:
            _collect(recovered, body, depth + 1)
            return
        body.notes.append(f"{ctype} part without a usable boundary read as text")
        text = _part_text(part, body)
        if re.search(r"(?i)<(html|body|div|p|br|table)\b", text[:20000]):
            text = html_to_text(truncate(text, MAX_HTML_CHARS)[0])
        if text.strip():
            body.texts.append(text.strip("\n"))
        return
    if isinstance(payload, list):  # multipart/*
        children = [child for child in payload if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            chosen = _pick_alternative(children)
            if chosen is not None:
                _collect(chosen, body, depth + 1)
            return
        if ctype == "multipart/encrypted":
            body.encrypted = True
        if ctype == "multipart/signed":
            body.signed = True
        for child in children:
            _collect(child, body, depth + 1)
        return
    filename = _filename(part)
    if ctype in SIGNATURE_TYPES:
        body.signed = True
        return
    if ctype == "application/pgp-encrypted":
        return
    if ctype.startswith("text/") and ctype not in TEXT_ATTACHMENT_TYPES and disposition != "attachment":
        text = _part_text(part, body)
        if ctype == "text/html":
            text = html_to_text(truncate(text, MAX_HTML_CHARS)[0])
        elif ctype == "text/plain":
            text = _extract_uuencoded(text, body)
        text = truncate(text, MAX_BODY_CHARS + 1)[0]  # the joined body is capped (with a note) later
        if filename:
            _add_attachment(body, filename, ctype, len(_payload_bytes(part)))
        if text.strip():
            body.texts.append(text.strip("\n"))
        return
    if ctype == "application/octet-stream" and depth == 0 and not filename and disposition is None:
        # A bare message whose declared type is binary: keep it readable if it decodes as text.
        text = _part_text(part, body)
        if text.strip() and "\ufffd" not in text[:2000]:
            body.texts.append(text)
            return
    _add_attachment(body, filename, ctype, len(_payload_bytes(part)))


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


def _parse(raw: bytes, use_default_policy: bool) -> tuple[Message, _Body]:
    parser = BytesParser(policy=policy.default if use_default_policy else policy.compat32)
    msg = parser.parsebytes(_normalize_header_block(raw))
    body = _Body()
    _collect(msg, body)
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


def _build_document(msg: Message, body: _Body, source: str, locator: str, location: Location,
                    notes: list[str]) -> ReadItem:
    headers = _Headers(msg, body.charset_hint)
    if not headers.items:
        return ReadFailure(source, "no RFC 822 headers", locator)
    metadata: dict[str, Any] = {}

    subject = headers.text("subject")
    senders = headers.addresses("from") or headers.addresses("sender")
    author = _format_address(*senders[0]) if senders else None
    to, cc, bcc = headers.addresses("to"), headers.addresses("cc"), headers.addresses("bcc")
    participants: list[str] = []
    for display, addr in to + cc + bcc:
        formatted = _format_address(display, addr)
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
    in_reply_to_ids = _message_ids(headers.raw("in-reply-to"))
    references = _message_ids(" ".join(headers.raw_all("references")))
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
        "content_type": _content_type(msg),
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


# --- readers --------------------------------------------------------------------------------------

class EmlReader:
    """One message per file: .eml, Maildir ``cur/``/``new/`` files, Enron ``inbox/1.`` files."""

    name = "mail.eml"
    extensions = tuple(sorted(EML_EXTENSIONS))
    kind = "mail"

    def sniff(self, path: Path, head: bytes) -> float:
        suffix = path.suffix.lower()
        if _in_maildir_tmp(path):
            return 0.0  # a delivery still being written
        if suffix == ".emlx":
            head = head.split(b"\n", 1)[-1]  # Apple Mail: a byte-count line comes first
        profile = header_profile(head)
        if suffix in EML_EXTENSIONS:
            return 0.95 if profile.header_lines else 0.5
        if suffix in MBOX_EXTENSIONS:
            return 0.0
        if looks_like_mail(profile):
            return 0.6 if profile.from_line else 0.8
        return 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_MESSAGE_BYTES + 1)
        notes = []
        if len(raw) > MAX_MESSAGE_BYTES:
            raw = raw[:MAX_MESSAGE_BYTES]
            notes.append(f"message larger than {MAX_MESSAGE_BYTES} bytes; only the start was read")
        if not raw:
            yield ReadFailure(str(path), "empty file", "msg")
            return
        if path.suffix.lower() == ".emlx":
            raw = _emlx_message(raw)
        yield parse_message(raw, path, "msg", location_for_file(path), notes)


def _in_maildir_tmp(path: Path) -> bool:
    parent = path.parent
    return parent.name == "tmp" and (parent.parent / "cur").is_dir() and (parent.parent / "new").is_dir()


def _emlx_message(raw: bytes) -> bytes:
    """Apple Mail ``.emlx``: ``<byte count>\\n<message><plist>``; return just the message bytes."""
    first, _, rest = raw.partition(b"\n")
    if first.strip().isdigit():
        return rest[: int(first.strip())]
    return raw


def _iter_lines(handle: BinaryIO, separator: bytes, chunk_size: int = 1 << 20) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(offset, line, starts_a_line)`` reading ``chunk_size`` bytes at a time.

    Lines longer than a chunk are yielded in pieces (``starts_a_line`` is False for the later ones),
    so memory stays bounded whatever the file looks like.
    """
    buffer = b""
    buffer_offset = 0
    at_line_start = True
    while True:
        chunk = handle.read(chunk_size)
        if not chunk:
            break
        buffer += chunk
        start = 0
        while True:
            end = buffer.find(separator, start)
            if end == -1:
                break
            yield buffer_offset + start, buffer[start:end + 1], at_line_start
            at_line_start = True
            start = end + 1
        buffer = buffer[start:]
        buffer_offset += start
        if len(buffer) >= chunk_size:
            yield buffer_offset, buffer, at_line_start
            at_line_start = False
            buffer_offset += len(buffer)
            buffer = b""
    if buffer:
        yield buffer_offset, buffer, at_line_start


def iter_mbox(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """Split an mbox stream into ``(offset of the From line, raw message, truncated)``; bytes before the
    first separator come out with offset -1 (when not blank). Holds one message in memory at a time."""
    head = handle.read(65536)
    handle.seek(0)
    separator = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
    current: list[bytes] = []
    current_size = 0
    current_offset = -1
    truncated = False
    previous_blank = True
    for offset, line, starts_line in _iter_lines(handle, separator):
        # A separator carries a time; after a non-blank line only a full asctime envelope counts.
        is_separator = (
            starts_line
            and line.startswith(b"From ")
            and _FROM_SEPARATOR.match(line) is not None
            and (previous_blank or offset == 0 or _FROM_ASCTIME.match(line) is not None)
        )
        if is_separator:
            if current_offset >= 0 or any(chunk.strip() for chunk in current):
                yield current_offset, b"".join(current), truncated
            current, current_size, current_offset, truncated = [line], len(line), offset, False
        elif current_size + len(line) <= MAX_MESSAGE_BYTES:
            current.append(line)
            current_size += len(line)
        else:
            truncated = True
        previous_blank = not line.strip()
    if current_offset >= 0 or any(chunk.strip() for chunk in current):
        yield current_offset, b"".join(current), truncated


class MboxReader:
    """A Unix mbox: messages separated by ``From `` lines; locator ``offset:<byte offset>``."""

    name = "mail.mbox"
    extensions = tuple(sorted(MBOX_EXTENSIONS))
    kind = "mail"

    def sniff(self, path: Path, head: bytes) -> float:
        suffix = path.suffix.lower()
        profile = header_profile(head)
        if profile.from_line and head.startswith(b"From ") and profile.header_lines >= 1:
            if suffix in EML_EXTENSIONS:
                return 0.85  # a single saved message with an envelope line: mail.eml reads it
            return 0.98 if suffix in MBOX_EXTENSIONS else 0.9
        if suffix in MBOX_EXTENSIONS:
            return 0.5  # ours, even if empty or broken, so the failure is reported clearly
        return 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        stem = path.name[: -len(path.suffix)] if path.suffix.lower() in MBOX_EXTENSIONS else path.name
        with open(path, "rb") as handle:
            if not handle.read(1):
                yield ReadFailure(source, "empty file", "")
                return
            handle.seek(0)
            found = False
            for offset, raw, truncated in iter_mbox(handle):
                if offset < 0:
                    yield ReadFailure(source, "text before the first 'From ' line is not a message", "offset:0")
                    continue
                found = True
                locator = f"offset:{offset}"
                first_line, _, rest = raw.partition(b"\n") if b"\n" in raw[:4096] else raw.partition(b"\r")
                rest = re.sub(rb"(?m)^>(>*From )", rb"\1", rest)  # mboxrd un-escaping
                location = Location(folder=stem, from_line=first_line.decode("latin-1").strip())
                notes = [f"message larger than {MAX_MESSAGE_BYTES} bytes; only the start was read"] if truncated else []
                yield parse_message(rest, path, locator, location, notes)
            if not found:
                yield ReadFailure(source, "no 'From ' separator line: not an mbox file", "")


EML_READER = EmlReader()
MBOX_READER = MboxReader()
