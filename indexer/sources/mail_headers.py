"""Mail header decoding: raw header access that never raises, addresses, message ids (threading),
dates, and the mailing-list/automated-sender test."""
from __future__ import annotations

import email.utils
import re
from datetime import datetime, timezone
from email.message import Message

from indexer.sources.mail_header_text import decode_rfc2047, header_text, split_addresses
from indexer.sources.mail_text import truncate

MAX_HEADER_CHARS = 16_384
MIN_YEAR, MAX_YEAR = 1900, 2100  # a Date outside these years is treated as unparseable

_MSGID = re.compile(r"<([^<>\s]+)>")
_BULK_PRECEDENCE = re.compile(r"^\s*(bulk|list|junk)\b", re.IGNORECASE)
_AUTOMATED_SENDER = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|newsletter|notifications?|mailer-daemon)\b",
                               re.IGNORECASE)


def is_bulk(headers: MailHeaders, from_address: str | None) -> bool:
    """Mailing-list, newsletter or automated mail (RFC 2369/3834 headers, or a no-reply sender)."""
    if headers.raw("list-unsubscribe") or headers.raw("list-id"):
        return True
    if _BULK_PRECEDENCE.match(headers.raw("precedence") or ""):
        return True
    auto = (headers.raw("auto-submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    return bool(from_address and _AUTOMATED_SENDER.match(from_address.split("@", 1)[0]))


class MailHeaders:
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


def format_address(display: str, addr: str) -> str:
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


def message_ids(value: str | None) -> list[str]:
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
