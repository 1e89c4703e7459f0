"""Calendar times: UTC normalisation, canonical occurrence keys, and dates/ranges in words."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def as_utc(value: date | datetime) -> datetime:
    """Any DTSTART-like value as an aware UTC datetime (dates at midnight, floating times as UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime.combine(value, time(0), tzinfo=timezone.utc)


def start_key(value: date | datetime) -> str:
    """Canonical text for an occurrence start: ``2026-12-02`` or ``2026-12-02T09:30:00Z`` (UTC)."""
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def iso_text(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc).isoformat()
    return value.isoformat()


def _day_text(value: date) -> str:
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def point_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{_day_text(value)} {value:%H:%M}"
    return _day_text(value)


def describe_when(start: date | datetime, end: date | datetime | None) -> str:
    """``on Tuesday 2 December 2026 09:30–10:15``, ``on Friday 1 May 2026 (all day)``, or a from/to range."""
    if not isinstance(start, datetime):
        last = end - timedelta(days=1) if isinstance(end, date) and not isinstance(end, datetime) else None
        if last and last > start:
            return f"from {_day_text(start)} to {_day_text(last)} (all day)"
        return f"on {_day_text(start)} (all day)"
    if isinstance(end, datetime) and (end.tzinfo is None) == (start.tzinfo is None) and end > start:
        if end.tzinfo is not None and start.tzinfo is not None:
            end = end.astimezone(start.tzinfo)
        if end.date() == start.date():
            return f"on {_day_text(start)} {start:%H:%M}–{end:%H:%M}"
        return f"from {_day_text(start)} {start:%H:%M} to {_day_text(end.date())} {end:%H:%M}"
    return f"on {_day_text(start)} {start:%H:%M}"
