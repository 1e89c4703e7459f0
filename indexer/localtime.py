"""Local time for display: one rule shared by `kith search`, `kith show` and `kith ask`.

Timestamps are stored in UTC (``documents.timestamp``) with the offset the source recorded
(``tz_offset_minutes``: a mail's Date header, an event's TZID, a photo's OffsetTimeOriginal).
A time is shown at that offset when there is one, else in this machine's local time zone (or the
zone of ``--now``), always with its offset, so "20:00 +01:00" never reads as UTC.
A photo dated by a wall clock without any offset (EXIF without OffsetTime*) is shown as that wall
clock, with no offset: nobody knows its zone.

Standard library only: the daemon-backed `kith search` fast path imports it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

TYPE_CHECKING = False  # typing costs ~5 ms to import (hot path)
if TYPE_CHECKING:
    from typing import Any


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 string (a trailing Z allowed) as a datetime; None for nothing or garbage."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def is_floating(metadata: dict[str, Any] | None) -> bool:
    """A photo wall clock with no known offset: ``date_taken`` has no offset and is no UTC clock."""
    if not isinstance(metadata, dict) or metadata.get("tz_offset_minutes") is not None:
        return False
    taken = parse_iso(metadata.get("date_taken"))
    return taken is not None and taken.tzinfo is None


def local_time(timestamp: str | datetime | None, offset_minutes: int | float | None = None,
               fallback: tzinfo | None = None, floating: bool = False) -> datetime | None:
    """``timestamp`` (UTC, or aware) at ``offset_minutes``, else in ``fallback`` or this machine's zone.

    ``floating`` keeps the stored wall clock as a naive datetime (no zone is known).
    """
    value = parse_iso(timestamp) if isinstance(timestamp, str) else timestamp
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if floating:
        return value.replace(tzinfo=None)
    if isinstance(offset_minutes, (int, float)) and not isinstance(offset_minutes, bool):
        return value.astimezone(timezone(timedelta(minutes=int(offset_minutes))))
    return value.astimezone(fallback) if fallback is not None else value.astimezone()


def offset_text(value: datetime) -> str:
    """'+01:00', '-05:30', '+00:00'; empty for a naive (floating) time."""
    offset = value.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def stamp(value: datetime | None) -> str:
    """'2026-07-11 20:00 +01:00' (no offset for a floating time); '' for None."""
    if value is None:
        return ""
    text = f"{value:%Y-%m-%d %H:%M}"
    offset = offset_text(value)
    return f"{text} {offset}" if offset else text


def local_iso(timestamp: str | None, offset_minutes: int | float | None, metadata: dict[str, Any] | None = None,
              fallback: tzinfo | None = None) -> str | None:
    """The local time as ISO 8601 with its offset (naive for a floating photo clock), or None."""
    value = local_time(timestamp, offset_minutes, fallback, floating=is_floating(metadata))
    return value.isoformat() if value is not None else None


def document_offset(metadata: dict[str, Any] | None, column: int | None) -> int | None:
    """The offset a document's source recorded. The reader's metadata wins over the column: a photo
    dated by a UTC-only clock (GPS, Takeout, file time) says None there, and is shown in local time."""
    if isinstance(metadata, dict) and "tz_offset_minutes" in metadata:
        value = metadata["tz_offset_minutes"]
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return column


def document_local_iso(doc: dict[str, Any], fallback: tzinfo | None = None) -> str | None:
    """``documents`` row (metadata decoded) → its local time as ISO 8601 with offset, or None."""
    metadata = doc.get("metadata")
    return local_iso(doc.get("timestamp"), document_offset(metadata, doc.get("tz_offset_minutes")), metadata,
                     fallback)
