"""The MIME walk of one parsed message: text parts (charsets, HTML, uuencode) go to the body text,
everything else is recorded as an attachment; broken multiparts are recovered where possible."""
from __future__ import annotations

import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any

from indexer.sources.mail_charset import decode_bytes
from indexer.sources.mail_header_text import decode_rfc2047, header_text
from indexer.sources.mail_headers import MailHeaders
from indexer.sources.mail_html import html_to_text
from indexer.sources.mail_text import truncate

MAX_BODY_CHARS = 2_000_000
MAX_HTML_CHARS = 4_000_000
MAX_ATTACHMENTS = 500
MAX_MIME_DEPTH = 40
SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
TEXT_ATTACHMENT_TYPES = {"text/calendar", "text/vcard", "text/x-vcard", "text/directory"}
_UUENCODE_BEGIN = re.compile(r"(?m)^begin [0-7]{3,4} ([^\r\n]+)$")
_UUENCODE_END = re.compile(r"(?m)^end[ \t]*$")


@dataclass
class MailBody:
    """What the MIME walk collected: text parts, attachments, and what it noticed on the way."""

    texts: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    charset_errors: bool = False
    notes: list[str] = field(default_factory=list)
    encrypted: bool = False
    signed: bool = False
    charset_hint: str | None = None  # first legacy charset declared by a text part


def _safe(call: Any, default: Any = None) -> Any:
    try:
        return call()
    except Exception:
        return default


def part_content_type(part: Message) -> str:
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


def _part_text(part: Message, body: MailBody) -> str:
    charset = _safe(part.get_content_charset)
    if charset and body.charset_hint is None and charset.lower() not in ("us-ascii", "ascii", "utf-8", "utf8"):
        body.charset_hint = charset
    text, bad = decode_bytes(_payload_bytes(part), charset)
    body.charset_errors = body.charset_errors or bad
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _add_attachment(body: MailBody, filename: str | None, content_type: str, size: int) -> None:
    if len(body.attachments) >= MAX_ATTACHMENTS:
        if not any(note.startswith("attachments") for note in body.notes):
            body.notes.append(f"attachments list capped at {MAX_ATTACHMENTS}")
        return
    body.attachments.append({"filename": filename, "content_type": content_type, "size": size})


def _extract_uuencoded(text: str, body: MailBody) -> str:
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
            if part_content_type(child) == wanted and _payload_bytes(child).strip():
                return child
    for child in children:
        if part_content_type(child).startswith("multipart/"):
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


def collect_body(part: Message, body: MailBody, depth: int = 0) -> None:
    """Walk the MIME tree: text goes to ``body.texts``, everything else to ``body.attachments``."""
    if depth > MAX_MIME_DEPTH:
        if "MIME nesting too deep" not in body.notes:
            body.notes.append("MIME nesting too deep")
        return
    ctype = part_content_type(part)
    disposition = _safe(part.get_content_disposition)
    payload = _safe(part.get_payload)
    if ctype == "message/delivery-status" and isinstance(payload, list):
        body.texts.append("\n\n".join(_render_headers(block) for block in payload if isinstance(block, Message)))
        return
    if ctype in ("message/rfc822", "message/global") and isinstance(payload, list):
        inner = next((item for item in payload if isinstance(item, Message)), None)
        if inner is None:
            return
        inner_headers = MailHeaders(inner)
        _add_attachment(body, _filename(part) or inner_headers.text("subject") or None, ctype,
                        len(_safe(inner.as_bytes, b"") or b""))
        if disposition != "attachment":
            summary = "\n".join(
                f"{label}: {inner_headers.text(name)}"
                for label, name in (("From", "from"), ("Date", "date"), ("Subject", "subject"))
                if inner_headers.raw(name)
            )
            body.texts.append(f"---------- Attached message ----------\n{summary}")
            collect_body(inner, body, depth + 1)
        return
    if ctype.startswith("multipart/") and not isinstance(payload, list):
        recovered = _recover_multipart(part, ctype)
        if recovered is not None:
            collect_body(recovered, body, depth + 1)
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
                collect_body(chosen, body, depth + 1)
            return
        if ctype == "multipart/encrypted":
            body.encrypted = True
        if ctype == "multipart/signed":
            body.signed = True
        for child in children:
            collect_body(child, body, depth + 1)
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
