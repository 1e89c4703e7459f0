"""ICS text -> icalendar objects: parsing (with Google's X-WR-TIMEZONE applied) and, for a file
icalendar rejects as a whole, salvaging the complete components one by one."""
from __future__ import annotations

import re

import icalendar
import x_wr_timezone

_CONTENT_LINE_RE = re.compile(r"^[A-Za-z0-9-]+(?:;[^:]*)?:", re.DOTALL)


def parse_calendars(text: str) -> tuple[list[icalendar.Calendar] | None, str | None]:
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises ValueError and friends for bad syntax
        return None, f"{type(exc).__name__}: {exc}"
    standard = []
    for cal in calendars:
        try:  # Google's X-WR-TIMEZONE: show UTC times in the calendar's own zone
            standard.append(x_wr_timezone.to_standard(cal))
        except Exception:
            standard.append(cal)
    return standard, None


def calendar_items(cal: icalendar.Calendar) -> list[icalendar.cal.Component]:
    return [c for c in cal.subcomponents if c.name in ("VEVENT", "VTODO")]


def salvage_components(text: str) -> tuple[str | None, list[tuple[str, int]]]:
    """Rebuild a parseable calendar from a broken one.

    Keeps every complete top-level component (VEVENT, VTODO, VTIMEZONE…), drops stray lines at the
    calendar level and cut-off components. Returns the rebuilt text (None when nothing was complete)
    and the problems as (description, line number) pairs.
    """
    problems: list[tuple[str, int]] = []
    kept: list[str] = []
    block: list[str] = []
    stack: list[str] = []
    block_start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        upper = stripped.upper()
        if not stack:
            if upper.startswith("BEGIN:") and upper not in ("BEGIN:VCALENDAR",):
                stack, block, block_start = [upper[6:]], [stripped], number
            elif upper in ("BEGIN:VCALENDAR", "END:VCALENDAR") or not stripped:
                continue
            elif line[:1] in (" ", "\t") or _CONTENT_LINE_RE.match(stripped):
                continue  # a calendar-level property (X-WR-CALNAME…): not needed to read events
            else:
                problems.append((f"skipped a line that is not iCalendar: {stripped[:80]!r}", number))
            continue
        if upper.startswith("BEGIN:"):
            if upper[6:] in ("VEVENT", "VTODO") and stack[0] in ("VEVENT", "VTODO"):
                problems.append((f"{stack[0]} starting at line {block_start} has no END:{stack[0]}", block_start))
                stack, block, block_start = [upper[6:]], [stripped], number
                continue
            stack.append(upper[6:])
        elif upper.startswith("END:") and upper[4:] == stack[-1]:
            stack.pop()
        block.append(line)
        if not stack:
            kept.append("\r\n".join(block))
            block = []
    if stack:
        problems.append((f"{stack[0]} starting at line {block_start} has no END:{stack[0]}", block_start))
    if not kept:
        return None, problems
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "\r\n".join(kept) + "\r\nEND:VCALENDAR\r\n", problems
