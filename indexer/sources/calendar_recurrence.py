"""Recurring events: is a component a series, how costly is expanding it, and its occurrences
inside a window (via ``recurring-ical-events``)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import icalendar
import recurring_ical_events

from indexer.sources.calendar_props import as_list
from indexer.sources.calendar_time import as_utc, start_key

# Rough count of rule iterations (periods times BYxxx expansions) above which a series is not
# expanded, per series and per file. recurring-ical-events walks every period from DTSTART.
MAX_EXPANSION_STEPS = 200_000
MAX_EXPANSION_STEPS_PER_FILE = 2_000_000
_FREQ_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400,
                 "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}


def is_recurring(component: icalendar.cal.Component) -> bool:
    return "RECURRENCE-ID" not in component and ("RRULE" in component or "RDATE" in component)


def expansion_steps(component: icalendar.cal.Component, window_end: datetime,
                    window_start: datetime | None = None) -> int:
    """Estimate the rule iterations a series takes up to ``window_end`` (or within the window).

    Without ``window_start`` this is the cost of expanding from DTSTART (the expander walks every
    period from there); with it, an upper bound on the occurrences inside the window.
    """
    try:
        start = as_utc(component.decoded("DTSTART"))
    except Exception:
        return 0
    if window_start is not None:
        start = max(start, window_start)
    total = 0
    for rule in as_list(component.get("RRULE")):
        freq = str((rule.get("FREQ") or ["DAILY"])[0]).upper()
        interval = max(1, int((rule.get("INTERVAL") or [1])[0] or 1))
        end = window_end
        until = (rule.get("UNTIL") or [None])[0]
        if isinstance(until, date):
            end = min(end, as_utc(until))
        periods = max(0.0, (end - start).total_seconds()) / (_FREQ_SECONDS.get(freq, 86400) * interval)
        expansion = 1
        for part in ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH"):
            expansion *= max(1, len(rule.get(part) or []))
        steps = int(periods) * expansion
        count = (rule.get("COUNT") or [None])[0]
        if count:
            steps = min(steps, int(count) * 10)
        total += steps + 1
    total += len(as_list(component.get("RDATE")))
    return total


def occurrences(sub: icalendar.Calendar, density: int, window_start: datetime, window_end: datetime,
                max_occurrences: int) -> Iterator[icalendar.cal.Component]:
    """Occurrences inside the window in start order, fetched in as few ``between`` calls as
    the occurrence cap allows (each call re-walks the rule from DTSTART)."""
    query = recurring_ical_events.of(sub)
    chunks = 1 if density <= 4 * max_occurrences else min(1000, -(-density // (2 * max_occurrences)))
    span = (window_end - window_start) / chunks
    seen: set[str] = set()
    for number in range(chunks):
        begin = window_start + span * number
        end = window_end if number == chunks - 1 else begin + span
        found = []
        for component in query.between(begin, end):
            start = component.decoded("DTSTART")
            if as_utc(start) < window_end:
                found.append((as_utc(start), start_key(start), component))
        found.sort(key=lambda item: item[0])
        for _, key, component in found:
            if key not in seen:  # an occurrence that spans a chunk boundary comes back twice
                seen.add(key)
                yield component
