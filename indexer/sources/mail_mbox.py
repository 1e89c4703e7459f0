"""Splitting an mbox stream into raw messages at ``From `` separator lines, in bounded memory."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # raw bytes of one message that are parsed; the rest is dropped

_FROM_SEPARATOR = re.compile(rb"^From \S*.*\d{1,2}:\d{2}")  # envelope sender ... time
_FROM_ASCTIME = re.compile(rb"^From \S+\s+\w{3} \w{3} [ \d]?\d \d\d:\d\d(:\d\d)? (\S+ )?\d{4}")


def iter_lines(handle: BinaryIO, separator: bytes, chunk_size: int = 1 << 20) -> Iterator[tuple[int, bytes, bool]]:
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
    for offset, line, starts_line in iter_lines(handle, separator):
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
