"""Read WhatsApp chat exports (``.txt`` or the ``.zip`` holding ``_chat.txt``) into conversation windows.

Both line styles are recognised: Android ``12/9/20, 23:55 - Alice: text`` and iOS
``[12/9/20, 23:55:01] Alice: text``, with any date order (d/m/y, m/d/y, y/m/d; ``/``, ``.`` or
``-``), 2- or 4-digit years, 24-hour or 12-hour clocks (``PM``, ``p. m.``, narrow no-break spaces).
Day-first versus month-first is decided per file: a first field above 12 means day-first, a second
field above 12 means month-first, otherwise the order that keeps the chat chronological wins.
Lines without ``Author:`` are system lines; lines without a date continue the previous message.
Exports carry wall-clock times without an offset, so times are taken in this machine's time zone.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from indexer.document import ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.messages.windows import ChatMessage, assume_local, windows_to_documents

_SPACE = r"[ \u00a0\u202f\u2009]"
LINE_RE = re.compile(
    r"^[\u200e\u200f\ufeff]*(?P<open>\[)?"
    r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})\.?,?" + _SPACE + r"*"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    r"(?:" + _SPACE + r"*(?P<ampm>[AaPp]\.?" + _SPACE + r"?[Mm]\.?))?"
    r"(?(open)\]" + _SPACE + r"*|" + _SPACE + r"*[-\u2013]" + _SPACE + r")"
    r"(?P<rest>.*)$"
)
_AUTHOR_RE = re.compile(r"^[\u200e\u200f]*(?P<author>[^:\n]{1,80}?):(?:[ \u00a0\u202f](?P<text>.*)|$)", re.S)
_MEDIA_OMITTED = re.compile(r"^[\u200e]*<?(?:media omitted|medien ausgeschlossen|multimedia omitido|"
                            r"(?:image|video|audio|sticker|gif|document|contact card) omitted)>?$", re.I)
_ATTACHED = re.compile(r"[\u200e]*<attached: (?P<name>[^>]+)>")
_FILE_ATTACHED = re.compile(r"^[\u200e]*(?P<name>\S+\.\w{2,5}) \(file attached\)", re.I)
_E2E_NOTICE = re.compile(r"^Messages (?:and calls )?(?:you send to this (?:group|chat) )?are (?:now )?"
                         r"(?:end-to-end encrypted|secured with end-to-end encryption)")
_GROUP_CREATED = re.compile(r'created group [“"](?P<name>.+)[”"]')
_FILENAME_TITLE = re.compile(r"^WhatsApp Chat (?:with|-|mit|con|com|avec) (?P<name>.+)$", re.I)
MAX_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass
class _RawMessage:
    line_no: int
    date: str
    time: str
    ampm: str | None
    first: str
    more: list[str] = field(default_factory=list)  # continuation lines

    @property
    def rest(self) -> str:
        return "\n".join([self.first, *self.more]) if self.more else self.first


@lru_cache(maxsize=8192)
def _date_fields(date: str) -> tuple[int, int, int]:
    a, b, c = (int(x) for x in re.split(r"[./-]", date))
    return a, b, c


@lru_cache(maxsize=8192)
def _ymd(date: str, day_first: bool) -> tuple[int, int, int]:
    a, b, c = _date_fields(date)
    if _year_first(date):
        return a, b, c
    day, month = (a, b) if day_first else (b, a)
    return (c + 2000 if c < 100 else c), month, day


@lru_cache(maxsize=8192)
def _hms(time: str, ampm: str | None) -> tuple[int, int, int]:
    parts = [int(x) for x in re.split(r"[:.]", time)]
    hour, minute = parts[0], parts[1]
    second = parts[2] if len(parts) > 2 else 0
    if ampm:
        pm = ampm.strip().lower().startswith("p")
        if pm and hour < 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
    return hour, minute, second


def _to_datetime(date: str, time: str, ampm: str | None, day_first: bool) -> datetime:
    return datetime(*_ymd(date, day_first), *_hms(time, ampm))


def _first_sep(date: str) -> int:
    return next(i for i, ch in enumerate(date) if ch in "./-")


def _year_first(date: str) -> bool:
    return _first_sep(date) == 4


def _decide_day_first(raws: list[_RawMessage]) -> bool:
    dates = [r.date for r in raws if not _year_first(r.date)]
    fields = [_date_fields(d) for d in dates]
    if any(a > 12 for a, _, _ in fields):
        return True
    if any(b > 12 for _, b, _ in fields):
        return False

    def inversions(day_first: bool) -> int:
        stamps = []
        for r in raws:
            try:
                stamps.append(_to_datetime(r.date, r.time, r.ampm, day_first))
            except ValueError:
                continue
        return sum(1 for x, y in zip(stamps, stamps[1:]) if y < x)

    late, early = inversions(False), inversions(True)
    if late != early:
        return late < early
    # Still ambiguous: unpadded "12/9/20" is the US Android style (M/d/yy); padded dates lean day-first.
    unpadded = any(re.match(r"^\d[/]|^\d+/\d/", d) for d in dates)
    return not unpadded


def parse_lines(lines: list[str]) -> tuple[list[_RawMessage], list[str]]:
    """Split export lines into raw messages (continuation lines appended); also return orphan lines."""
    raws: list[_RawMessage] = []
    orphans: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = LINE_RE.match(line)
        if match:
            raws.append(_RawMessage(number, match["date"], match["time"], match["ampm"], match["rest"]))
        elif raws:
            raws[-1].more.append(line)
        elif line.strip():
            orphans.append(line)
    return raws, orphans


def _split_author(rest: str) -> tuple[str | None, str]:
    match = _AUTHOR_RE.match(rest)
    if not match:
        return None, rest.strip("\u200e")
    text = match["text"] or ""
    if _E2E_NOTICE.match(text.lstrip("\u200e\u200f")):  # "<chat name>: Messages and calls are end-to-end encrypted..."
        return None, text
    return match["author"].strip(), text


def _attachments(text: str) -> tuple[str, list[str]]:
    if _MEDIA_OMITTED.match(text.strip()):
        return "", [text.strip().strip("\u200e<>")]
    names = [m["name"] for m in _ATTACHED.finditer(text)]
    if names:
        return _ATTACHED.sub("", text).strip(), names
    match = _FILE_ATTACHED.match(text)
    if match:
        return text[match.end():].strip(), [match["name"]]
    return text, []


def _chat_title(stem: str, raws: list[_RawMessage]) -> str:
    match = _FILENAME_TITLE.match(stem)
    if match:
        return f"WhatsApp chat with {match['name'].strip()}"
    for raw in raws[:500]:  # group creation and the encryption notice open the export
        author, text = _split_author(raw.rest)
        if author is None:
            created = _GROUP_CREATED.search(raw.rest)
            if created:
                return created["name"]
            named = _AUTHOR_RE.match(raw.rest)
            if named and _E2E_NOTICE.match(text):
                return named["author"].strip()
    return f"WhatsApp chat {stem}"


def messages_from_text(text: str, chat_id: str, title_stem: str,
                       source: str) -> tuple[list[ChatMessage], list[ReadFailure], list[str]]:
    """Parse a whole export; return messages, per-line failures and the chat members."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    raws, orphans = parse_lines(lines)
    failures: list[ReadFailure] = []
    if orphans:
        failures.append(ReadFailure(source, f"{len(orphans)} line(s) before the first dated message ignored", "line:1"))
    day_first = _decide_day_first(raws)
    title = _chat_title(title_stem, raws)
    messages: list[ChatMessage] = []
    for raw in raws:
        try:
            when = assume_local(_to_datetime(raw.date, raw.time, raw.ampm, day_first))
        except (ValueError, OverflowError) as exc:
            failures.append(ReadFailure(source, f"bad date {raw.date!r} {raw.time!r}: {exc}", f"{chat_id}:{raw.line_no}"))
            continue
        author, body = _split_author(raw.rest.rstrip("\n"))
        body, files = _attachments(body)
        messages.append(ChatMessage(
            chat_id=chat_id, chat_title=title, message_id=str(raw.line_no), author=author,
            timestamp=when, text=body.strip("\n"), attachments=files,
            extra={"system": True} if author is None else {},
        ))
    members = list(dict.fromkeys(m.author for m in messages if m.author))
    return messages, failures, members


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _zip_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    texts = [i for i in archive.infolist() if i.filename.lower().endswith(".txt") and not i.is_dir()]
    for info in texts:
        name = Path(info.filename).name
        if name == "_chat.txt" or name.lower().startswith("whatsapp chat"):
            return info
    return None


def _looks_like_export(text: str) -> float:
    lines = [ln for ln in text.replace("\r", "\n").split("\n")[:12] if ln.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut
    if not lines or not LINE_RE.match(lines[0]):
        return 0.0
    hits = sum(1 for ln in lines if LINE_RE.match(ln))
    return 0.8 if hits * 2 >= len(lines) else 0.5


class WhatsAppReader:
    """WhatsApp ``Export chat`` text files and zip archives."""

    name = "messages.whatsapp"
    kind = "message"

    def sniff(self, path: Path, head: bytes) -> float:
        if head.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(path) as archive:
                    info = _zip_member(archive)
                    if info is None:
                        return 0.0
                    with archive.open(info) as member:
                        score = _looks_like_export(_decode(member.read(4096)))
            except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, ValueError, NotImplementedError):
                return 0.0
            return min(1.0, score + 0.1) if score else 0.0
        if path.suffix.lower() != ".txt":
            return 0.0
        score = _looks_like_export(_decode(head))
        if score and "whatsapp" in path.name.lower():
            score += 0.1
        return score

    def read(self, path: Path) -> Iterator[ReadItem]:
        source = str(path)
        if zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as archive:
                    info = _zip_member(archive)
                    if info is None:
                        yield ReadFailure(source, "zip holds no WhatsApp chat text (_chat.txt)")
                        return
                    if info.file_size > MAX_MEMBER_BYTES:
                        yield ReadFailure(source, f"{info.filename} is too large ({info.file_size} bytes)")
                        return
                    text = _decode(archive.read(info))
                    title_stem = Path(info.filename).stem if info.filename != "_chat.txt" else path.stem
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, ValueError) as exc:
                yield ReadFailure(source, f"unreadable WhatsApp zip: {exc}")
                return
        else:
            text = _decode(path.read_bytes())
            title_stem = path.stem
        messages, failures, members = messages_from_text(text, path.stem, title_stem, source)
        yield from failures
        if not messages:
            yield ReadFailure(source, "no WhatsApp messages found")
            return
        yield from windows_to_documents(messages, source_path=source, app="whatsapp",
                                        members={path.stem: members})


READER = WhatsAppReader()
