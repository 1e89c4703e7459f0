"""Mail readers: ``mail.eml`` (one RFC 822 message per file: .eml, Maildir and Enron-style numbered
files) and ``mail.mbox`` (a stream of messages separated by ``From `` lines, read without loading the
whole file). Both turn each message into a ``Document(kind="mail")`` or a ``ReadFailure``.

Parsing uses the stdlib ``email`` package with ``policy.default`` (falling back to ``compat32``), but
every header is decoded from its raw value by ``mail_text`` so that broken headers and bogus charsets
degrade to replacement characters instead of exceptions. The work is split by job: ``mail_sniff``
(is this mail?), ``mail_headers`` (header decoding), ``mail_mime`` (the MIME walk), ``mail_message``
(one message -> a Document) and ``mail_mbox`` (splitting an mbox stream); this module keeps the two
readers and re-exports the names other modules import from ``indexer.sources.mail``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.mail_headers import (  # noqa: F401  (re-exported)
    MAX_HEADER_CHARS,
    MAX_YEAR,
    MIN_YEAR,
    is_bulk,
    normalize_message_id,
    parse_date,
)
from indexer.sources.mail_mbox import MAX_MESSAGE_BYTES, iter_mbox
from indexer.sources.mail_mbox import iter_lines as _iter_lines  # noqa: F401  (the name the tests use)
from indexer.sources.mail_message import (  # noqa: F401  (re-exported)
    MAX_REFERENCES,
    SENT_FOLDER,
    Location,
    is_sent_folder,
    location_for_file,
    parse_message,
)
from indexer.sources.mail_mime import (  # noqa: F401  (re-exported)
    MAX_ATTACHMENTS,
    MAX_BODY_CHARS,
    MAX_HTML_CHARS,
    MAX_MIME_DEPTH,
    SIGNATURE_TYPES,
    TEXT_ATTACHMENT_TYPES,
)
from indexer.sources.mail_sniff import (  # noqa: F401  (re-exported)
    KNOWN_HEADERS,
    STRONG_HEADERS,
    HeaderProfile,
    header_profile,
    looks_like_mail,
)

EML_EXTENSIONS = {".eml", ".emlx", ".mim", ".mime", ".rfc822"}
MBOX_EXTENSIONS = {".mbox", ".mbx"}


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
