"""Parse the date filters users type: ISO dates/timestamps and short relative spans (7d, 2w, 3m, 1y)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from indexer.errors import EmptyRangeError, FilterError

_RELATIVE = re.compile(r"^\s*(\d+)\s*(h|d|w|m|y)\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
          "m": timedelta(days=30), "y": timedelta(days=365)}


def parse_when(value: str | datetime | None, now: datetime | None = None) -> datetime | None:
    """``2025-06-14``, ``2025-06-14T18:32:00+01:00``, ``today``, ``yesterday`` or ``7d`` (7 days before now)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    text = value.strip()
    match = _RELATIVE.match(text)
    if match:
        try:
            return now - int(match.group(1)) * _UNITS[match.group(2).lower()]
        except OverflowError:
            raise FilterError(
                f"date span {value!r} reaches before year 1: use a smaller span (e.g. 100y) or a date"
            ) from None
    lowered = text.lower()
    if lowered in ("today", "now"):
        return now.replace(hour=0, minute=0, second=0, microsecond=0) if lowered == "today" else now
    if lowered == "yesterday":
        return (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(
            f"cannot understand date {value!r}: use YYYY-MM-DD, an ISO timestamp, or a span like 7d, 2w, 3m"
        ) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    try:
        parsed.astimezone(timezone.utc)  # 0001-01-01T00:00-01:00 is representable, but not in UTC
    except OverflowError:
        raise FilterError(f"date {value!r} is out of range") from None
    return parsed


def check_range(since: datetime | None, until: datetime | None, since_text: object = None,
                until_text: object = None) -> None:
    """Raise EmptyRangeError when ``since`` is after ``until`` (e.g. ``--since 1d --until 30d``)."""
    if since is not None and until is not None and since > until:
        raise EmptyRangeError(
            f"the date range is empty: --since {since_text or since.isoformat()} "
            f"({since:%Y-%m-%d %H:%M} UTC) is after --until {until_text or until.isoformat()} "
            f"({until:%Y-%m-%d %H:%M} UTC), so nothing can match (--since is the older end of the range)"
        )
