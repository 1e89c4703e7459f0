"""Parse the date filters users type: ISO dates/timestamps and short relative spans (7d, 2w, 3m, 1y)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from indexer.errors import FilterError

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
        return now - int(match.group(1)) * _UNITS[match.group(2).lower()]
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
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
