"""Mail sniffing: does the start of a file look like an RFC 822 header block (and an mbox ``From `` line)?"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,80}[ \t]*:")
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")


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
