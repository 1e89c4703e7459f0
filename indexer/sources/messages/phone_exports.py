"""Read old-phone SMS exports: Nokia PC Suite CSV (``sms;deliver|submit;"number";"";"";"2010.01.11 16:51";"";"text"``,
deliver = received, submit = sent, all-empty rows skipped) and vMessage ``.vmg`` files (one or more
``BEGIN:VMSG`` blocks; ``X-IRMC-BOX`` INBOX = received, SENDBOX/OUTBOX = sent; the other party is the
VCARD ``TEL``; the VBODY opens with a ``Date:`` line). Bytes are decoded as UTF-8 per line with a cp1252
fallback, naive wall-clock times go through ``assume_local``, and a cut-short or garbled file gives a
ReadFailure rather than an exception.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.messages.sms_backup import normalise_address
from indexer.sources.messages.windows import ChatMessage, assume_local, windows_to_documents

MAX_FILE_BYTES = 256 * 1024 * 1024
CSV_FIELDS = 8  # sms; box; number; ""; ""; date; ""; text
_ROW_START = re.compile(r"^sms([;,])", re.IGNORECASE)
_SNIFF_ROW = re.compile(r'^sms([;,])"?(deliver|submit|)"?\1', re.IGNORECASE)
_RECEIVED_BOXES = {"deliver"}
_SENT_BOXES = {"submit"}
_VMG_SENT = {"SENDBOX", "SENTBOX", "SENT", "OUTBOX", "DRAFT", "DRAFTS"}
_WALL_CLOCK = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
_BODY_HEADER = re.compile(r"^(date|x-[a-z0-9-]+)(;[^:]*)?:(.*)$", re.IGNORECASE)


# ---------------------------------------------------------------- decoding and dates


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_lines(data: bytes) -> list[str]:
    """The file as text lines: UTF-16 when marked or NUL-patterned, else UTF-8 per line, else cp1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 2 and data[1:2] == b"\x00" and data[:1] != b"\x00":
        text = data.decode("utf-16-le", errors="replace")
    elif len(data) >= 2 and data[:1] == b"\x00" and data[1:2] != b"\x00":
        text = data.decode("utf-16-be", errors="replace")
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return [_decode_line(raw).rstrip("\r") for raw in data.split(b"\n")]
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_wall_clock(value: str) -> datetime | None:
    """``2010.01.11 16:51``, ``21-12-2005 11:24:50``, ``20051221T112450[Z]`` as an aware datetime."""
    value = value.strip()
    compact = _COMPACT.match(value)
    try:
        if compact:
            naive = datetime(*(int(g) for g in compact.groups()[:6]))
            return naive.replace(tzinfo=timezone.utc) if compact[7] else assume_local(naive)
        match = _WALL_CLOCK.match(value)
        if match is None:
            return None
        first, month, last, hour, minute = (int(g) for g in match.groups()[:5])
        second = int(match[6] or 0)
        if len(match[1]) == 4:
            year, day = first, last
        else:
            day, year = first, (last + 2000 if last < 100 else last)
            if month > 12 >= day:  # month-first (US) order
                day, month = month, day
        return assume_local(datetime(year, month, day, hour, minute, second))
    except (ValueError, OverflowError):
        return None


def _chat_title(chat_id: str) -> str:
    return f"SMS with {chat_id.replace('~', ', ')}"


def _add_member(members: dict[str, list[str]], chat_id: str) -> None:
    names = members.setdefault(chat_id, [])
    for name in chat_id.split("~"):
        if name != "unknown" and name not in names:
            names.append(name)


# ---------------------------------------------------------------- Nokia PC Suite CSV


@dataclass
class _Record:
    line_no: int
    text: str
    quotes: int

    @property
    def open_quote(self) -> bool:
        return self.quotes % 2 == 1


def _csv_records(lines: list[str]) -> tuple[list[_Record], list[int], _Record | None]:
    """Group lines into rows (a quoted text may span lines); return rows, stray line numbers, an unclosed row."""
    records: list[_Record] = []
    stray: list[int] = []
    current: _Record | None = None
    for line_no, line in enumerate(lines, start=1):
        if current is not None and current.open_quote:
            current.text += "\n" + line
            current.quotes += line.count('"')
            continue
        if not line.strip():
            continue
        if _ROW_START.match(line):
            current = _Record(line_no, line, line.count('"'))
            records.append(current)
        else:
            stray.append(line_no)
    unclosed = records.pop() if records and records[-1].open_quote else None
    return records, stray, unclosed


def _csv_fields(record: _Record) -> list[str]:
    delimiter = record.text[3]
    return next(csv.reader([record.text], delimiter=delimiter, quotechar='"'), [])


class _CsvParser:
    """Turns Nokia CSV rows into ChatMessages, collecting per-row failures."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.messages: list[ChatMessage] = []
        self.members: dict[str, list[str]] = {}
        self.failures: list[ReadFailure] = []

    def row(self, record: _Record) -> None:
        fields = [f.strip() for f in _csv_fields(record)]
        if not any(fields[1:]):
            return  # padding row: sms;"";"";...
        box = fields[1].lower() if len(fields) > 1 else ""
        if len(fields) < CSV_FIELDS:
            self.failures.append(ReadFailure(self.source, f"incomplete row: {len(fields)} of {CSV_FIELDS} fields",
                                             f"line:{record.line_no}"))
            return
        if box not in _RECEIVED_BOXES | _SENT_BOXES:
            self.failures.append(ReadFailure(self.source, f"unknown message box {fields[1]!r}",
                                             f"line:{record.line_no}"))
            return
        text = record.text[3].join(fields[7:]) if len(fields) > CSV_FIELDS else fields[7]
        if not text.strip():
            return
        from_me = box in _SENT_BOXES
        chat_id = normalise_address(fields[2])
        _add_member(self.members, chat_id)
        self.messages.append(ChatMessage(
            chat_id=chat_id, chat_title=_chat_title(chat_id), message_id=str(record.line_no),
            author="me" if from_me else chat_id, timestamp=parse_wall_clock(fields[5]), text=text,
            is_from_me=from_me, extra={"box": box},
        ))


def read_csv(path: Path, lines: list[str]) -> Iterator[ReadItem]:
    """Documents (and failures) of a Nokia PC Suite SMS CSV already decoded into lines."""
    source = str(path)
    records, stray, unclosed = _csv_records(lines)
    if not records and unclosed is None:
        yield ReadFailure(source, "not a phone SMS CSV: no line starts with 'sms;'")
        return
    parser = _CsvParser(source)
    for record in records:
        try:
            parser.row(record)
        except Exception as exc:  # one odd row must not lose the rest
            parser.failures.append(ReadFailure(source, f"unreadable row: {type(exc).__name__}: {exc}",
                                               f"line:{record.line_no}"))
    yield from parser.failures
    if stray:
        yield ReadFailure(source, f"{len(stray)} line(s) that are not sms rows ignored (first at line {stray[0]})",
                          f"line:{stray[0]}")
    if unclosed is not None:
        yield ReadFailure(source, f"truncated SMS CSV: quoted field opened at line {unclosed.line_no} never closes"
                                  f" ({len(parser.messages)} messages read before it)", f"line:{unclosed.line_no}")
    elif not parser.messages and not parser.failures and not stray:
        yield ReadFailure(source, "phone SMS CSV holds no messages")
    yield from windows_to_documents(parser.messages, source_path=source, app="sms", members=parser.members)


# ---------------------------------------------------------------- vMessage (.vmg)


@dataclass
class _VMsg:
    line_no: int
    box: str = ""
    originators: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


def _vmsg_blocks(lines: list[str]) -> tuple[list[tuple[int, list[str], bool]], list[int]]:
    """Split lines into ``(first line number, lines, terminated)`` VMSG blocks, plus stray line numbers."""
    blocks: list[tuple[int, list[str], bool]] = []
    stray: list[int] = []
    current: list[str] | None = None
    start = 0
    for line_no, line in enumerate(lines, start=1):
        upper = line.strip().upper()
        if current is None:
            if upper == "BEGIN:VMSG":
                current, start = [], line_no
            elif upper:
                stray.append(line_no)
            continue
        if upper == "END:VMSG":
            blocks.append((start, current, True))
            current = None
        elif upper == "BEGIN:VMSG":  # the previous block never ended
            blocks.append((start, current, False))
            current, start = [], line_no
        else:
            current.append(line)
    if current is not None:
        blocks.append((start, current, False))
    return blocks, stray


def _parse_vmsg(line_no: int, lines: list[str]) -> _VMsg:
    """Parse the inside of one VMSG block; raise ValueError saying what is wrong with it."""
    message = _VMsg(line_no)
    stack: list[str] = ["VMSG"]
    for offset, line in enumerate(lines, start=1):
        stripped = line.strip()
        upper = stripped.upper()
        if stack[-1] == "VBODY" and upper != "END:VBODY":
            message.body.append(line)
            continue
        if upper.startswith("BEGIN:"):
            stack.append(upper[6:].strip())
        elif upper.startswith("END:"):
            name = upper[4:].strip()
            if len(stack) < 2 or stack[-1] != name:
                raise ValueError(f"END:{name} at line {line_no + offset} does not close BEGIN:{stack[-1]}")
            stack.pop()
        elif ":" in stripped:
            key, value = stripped.split(":", 1)
            key = key.split(";", 1)[0].strip().upper()
            if stack[-1] == "VMSG" and key == "X-IRMC-BOX":
                message.box = value.strip().upper()
            elif stack[-1] == "VCARD" and key == "TEL" and value.strip():
                (message.recipients if "VENV" in stack else message.originators).append(value.strip())
    if len(stack) > 1:
        raise ValueError(f"BEGIN:{stack[-1]} is never closed (file cut short?)")
    return message


def _vmsg_text(body: list[str]) -> tuple[str, datetime | None]:
    """Split a VBODY into its text and the time of its leading ``Date:`` (or ``X-NOK-DT:``) header."""
    when: datetime | None = None
    index = 0
    while index < len(body):
        header = _BODY_HEADER.match(body[index].strip())
        if header is None:
            break
        if when is None and header[1].lower() in ("date", "x-nok-dt"):
            when = parse_wall_clock(header[3])
        index += 1
    return "\n".join(body[index:]).strip("\n"), when


def _vmsg_message(message: _VMsg, count: int) -> ChatMessage | None:
    from_me = message.box in _VMG_SENT
    if from_me:
        others = message.recipients or message.originators
    else:
        others = message.originators or message.recipients
    chat_id = normalise_address("~".join(others))
    text, when = _vmsg_text(message.body)
    if not text.strip():
        return None
    return ChatMessage(
        chat_id=chat_id, chat_title=_chat_title(chat_id), message_id=str(count),
        author="me" if from_me else (normalise_address(others[0]) if others else chat_id),
        timestamp=when, text=text, is_from_me=from_me, extra={"box": message.box.lower()},
    )


def read_vmg(path: Path, lines: list[str]) -> Iterator[ReadItem]:
    """Documents (and failures) of a vMessage file already decoded into lines."""
    source = str(path)
    blocks, stray = _vmsg_blocks(lines)
    if not blocks:
        yield ReadFailure(source, "not a vMessage file: no BEGIN:VMSG found")
        return
    messages: list[ChatMessage] = []
    members: dict[str, list[str]] = {}
    failures = 0
    for count, (line_no, block, terminated) in enumerate(blocks, start=1):
        locator = f"vmsg:{count}"
        if not terminated:
            failures += 1
            yield ReadFailure(source, f"truncated vMessage: BEGIN:VMSG at line {line_no} has no END:VMSG", locator)
            continue
        try:
            message = _vmsg_message(_parse_vmsg(line_no, block), count)
        except ValueError as exc:
            failures += 1
            yield ReadFailure(source, f"broken vMessage at line {line_no}: {exc}", locator)
            continue
        if message is not None:
            _add_member(members, message.chat_id)
            messages.append(message)
    if stray:
        yield ReadFailure(source, f"{len(stray)} line(s) outside BEGIN:VMSG..END:VMSG ignored"
                                  f" (first at line {stray[0]})", f"line:{stray[0]}")
    if not messages and not failures:
        yield ReadFailure(source, "vMessage file holds no messages")
    yield from windows_to_documents(messages, source_path=source, app="sms", members=members)


# ---------------------------------------------------------------- the reader


def _head_lines(head: bytes) -> list[str]:
    lines = [ln.strip() for ln in decode_lines(head)]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut
    return [ln for ln in lines if ln]


class PhoneExportReader:
    """Nokia PC Suite SMS CSV files and vMessage (.vmg) files of older phones."""

    name = "messages.phone_export"
    extensions = (".vmg",)
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        lines = _head_lines(head)
        if not lines:
            return 0.0
        first = lines[0].lstrip("\ufeff")
        if first.upper() == "BEGIN:VMSG":
            return 0.95
        if path.suffix.lower() == ".vmg" and any(ln.upper() == "BEGIN:VMSG" for ln in lines):
            return 0.9
        if _SNIFF_ROW.match(first):
            rows = lines[:8]
            hits = sum(1 for ln in rows if _ROW_START.match(ln))
            return 0.9 if hits * 2 >= len(rows) else 0.5
        return 0.0

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield ReadFailure(source, f"{size} bytes is larger than the {MAX_FILE_BYTES} byte limit for an SMS export")
            return
        lines = decode_lines(path.read_bytes())
        content = [ln.strip().lstrip("\ufeff") for ln in lines if ln.strip()]
        if not content:
            yield ReadFailure(source, "empty file: no messages")
            return
        if any(ln.upper() == "BEGIN:VMSG" for ln in content[:50]):
            yield from read_vmg(path, lines)
        else:
            yield from read_csv(path, lines)


READER = PhoneExportReader()
