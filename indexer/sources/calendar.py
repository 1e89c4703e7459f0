"""Reader for iCalendar files (``.ics``): one ``event`` Document per event or occurrence, plus to-dos.

Single events are always read. Recurring events (RRULE/RDATE/EXDATE, with RECURRENCE-ID
overrides) are expanded with ``recurring-ical-events`` inside a window around "now" (by default
one year back, two years ahead, at most 500 occurrences per event); a series with no occurrence
in the window is kept as one document for its first occurrence. Rules so dense that expanding
them would take too long (``FREQ=SECONDLY`` since 1970) are not expanded.

A file icalendar cannot parse as a whole is re-read component by component, so one broken event
does not lose the rest; an event whose start date cannot be read becomes a ReadFailure.

The work is split by job: ``calendar_parse`` (ICS text, salvage), ``calendar_props`` (properties,
date checks), ``calendar_time`` (UTC, dates in words), ``calendar_recurrence`` (expansion) and
``calendar_documents`` (Documents); this module keeps the reader and re-exports the old names.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem, sniff_begin_block
from indexer.sources.calendar_documents import MAX_DESCRIPTION_CHARS, event_document, todo_documents  # noqa: F401
from indexer.sources.calendar_parse import calendar_items, parse_calendars, salvage_components
from indexer.sources.calendar_props import EventError, check_dates, prop_text, rrule_text
from indexer.sources.calendar_recurrence import (  # noqa: F401  (re-exported)
    MAX_EXPANSION_STEPS,
    MAX_EXPANSION_STEPS_PER_FILE,
    expansion_steps,
    is_recurring,
    occurrences,
)
from indexer.sources.calendar_time import MONTHS, WEEKDAYS, as_utc, describe_when, start_key  # noqa: F401
from indexer.sources.mail_charset import decode_text_file

log = logging.getLogger(__name__)

DEFAULT_WINDOW_BEFORE = timedelta(days=365)
DEFAULT_WINDOW_AFTER = timedelta(days=730)
DEFAULT_MAX_OCCURRENCES = 500
MAX_FILE_BYTES = 256 * 1024 * 1024
EXTENSIONS = (".ics", ".ical", ".icalendar", ".ifb")


class CalendarReader:
    """``calendar.ics``: events (expanded when recurring) and to-dos from iCalendar files."""

    name = "calendar.ics"
    extensions = EXTENSIONS
    kind = "event"

    def __init__(
        self,
        window_before: timedelta | None = None,
        window_after: timedelta | None = None,
        max_occurrences: int | None = None,
        now: datetime | None = None,
    ) -> None:
        self.window_before = window_before if window_before is not None else DEFAULT_WINDOW_BEFORE
        self.window_after = window_after if window_after is not None else DEFAULT_WINDOW_AFTER
        self.max_occurrences = max_occurrences if max_occurrences is not None else DEFAULT_MAX_OCCURRENCES
        self.now = now

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_begin_block(path, head, "VCALENDAR", EXTENSIONS)

    def window(self) -> tuple[datetime, datetime]:
        now = self.now or datetime.now(timezone.utc)
        now = as_utc(now)
        return now - self.window_before, now + self.window_after

    # -- reading --

    def read(self, path: Path) -> Iterator[ReadItem]:
        path = Path(path)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes is larger than the {MAX_FILE_BYTES} byte limit for a calendar file")
        source = str(path)
        text = decode_text_file(path.read_bytes())
        upper = text.upper()
        if not text.strip():
            yield ReadFailure(source, "empty file")
            return
        has_items = "BEGIN:VEVENT" in upper or "BEGIN:VTODO" in upper
        if "BEGIN:VCALENDAR" not in upper and not has_items:
            yield ReadFailure(source, "not an iCalendar file: no BEGIN:VCALENDAR")
            return
        calendars, error = parse_calendars(text)
        found = sum(len(calendar_items(cal)) for cal in calendars or [])
        if calendars is None or (has_items and found == 0):
            rebuilt, problems = salvage_components(text)
            calendars = parse_calendars(rebuilt)[0] if rebuilt else None
            if not calendars:
                reason = error or (problems[0][0] if problems else "no complete VEVENT or VTODO component")
                yield ReadFailure(source, f"not a readable iCalendar file: {reason}")
                return
            for problem, line in problems:
                yield ReadFailure(source, problem, f"line:{line}")
        budget = [MAX_EXPANSION_STEPS_PER_FILE]
        seen: dict[str, int] = {}
        for item in self._read_calendars(source, calendars, budget):
            if isinstance(item, Document):
                if item.locator in seen:  # the same UID and start twice in one file
                    seen[item.locator] += 1
                    item.locator = f"{item.locator}#{seen[item.locator]}"
                else:
                    seen[item.locator] = 0
            yield item
    def _read_calendars(self, source: str, calendars: list[icalendar.Calendar], budget: list[int]) -> Iterator[ReadItem]:
        window_start, window_end = self.window()
        event_index = todo_index = 0
        for cal in calendars:
            calendar_name = prop_text(cal, "X-WR-CALNAME") or None
            timezones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
            groups: dict[str, list[tuple[int, icalendar.cal.Component]]] = {}
            for component in calendar_items(cal):
                if component.name == "VTODO":
                    try:
                        yield from todo_documents(source, component, todo_index, calendar_name)
                    except Exception as exc:
                        locator = prop_text(component, "UID") or f"todo:{todo_index}"
                        yield ReadFailure(source, f"could not read to-do: {type(exc).__name__}: {exc}", locator)
                    todo_index += 1
                    continue
                uid = prop_text(component, "UID")
                groups.setdefault(uid or f"\0{event_index}", []).append((event_index, component))
                event_index += 1
            for key, members in groups.items():
                uid = "" if key.startswith("\0") else key
                try:
                    yield from self._series(source, uid, members, timezones, calendar_name,
                                            window_start, window_end, budget)
                except Exception as exc:  # one odd series must not end the file
                    locator = uid or f"event:{members[0][0]}"
                    yield ReadFailure(source, f"could not read event: {type(exc).__name__}: {exc}", locator)

    def _series(self, source: str, uid: str, members: list[tuple[int, icalendar.cal.Component]],
                timezones: list[icalendar.cal.Component], calendar_name: str | None,
                window_start: datetime, window_end: datetime, budget: list[int]) -> Iterator[ReadItem]:
        """Documents for all VEVENTs sharing one UID: a single event, or a series and its overrides."""
        good: list[tuple[int, icalendar.cal.Component, list[str]]] = []
        for index, component in members:
            try:
                good.append((index, component, check_dates(component)))
            except EventError as exc:
                yield ReadFailure(source, str(exc), uid or f"event:{index}")
        masters = [(i, c, d) for i, c, d in good if is_recurring(c)]
        if not masters:
            for index, component, dropped in good:
                locator = uid or f"event:{index}"
                if "RECURRENCE-ID" in component or len(good) > 1:
                    locator = f"{locator}@{start_key(component.decoded('DTSTART'))}"
                yield event_document(source, locator, uid, component, calendar_name, dropped=dropped)
            return
        index, master, dropped = masters[0]
        base = uid or f"event:{index}"
        rrule = rrule_text(master)
        steps = expansion_steps(master, window_end)
        if steps > MAX_EXPANSION_STEPS or steps > budget[0]:
            log.info("not expanding %s in %s: about %d rule steps", base, source, steps)
            yield event_document(source, base, uid, master, calendar_name, dropped=dropped, rrule=rrule,
                                 extra={"recurring": True, "expanded": False,
                                        "expansion_note": "recurrence rule too dense to expand"})
            return
        budget[0] -= steps
        sub = icalendar.Calendar()
        for tz in timezones:
            sub.add_component(tz)
        for _, component, _ in good:
            sub.add_component(component)
        count = 0
        try:
            density = expansion_steps(master, window_end, window_start)
            for occurrence in occurrences(sub, density, window_start, window_end, self.max_occurrences):
                begin = occurrence.decoded("DTSTART")
                yield event_document(source, f"{base}@{start_key(begin)}", uid, occurrence, calendar_name,
                                     dropped=dropped, rrule=rrule, extra={"recurring": True, "expanded": True})
                count += 1
                if count >= self.max_occurrences:
                    log.info("capped %s in %s at %d occurrences", base, source, count)
                    break
        except Exception as exc:  # a rule the expander chokes on: keep the first occurrence at least
            yield ReadFailure(source, f"could not expand recurrence: {type(exc).__name__}: {exc}", base)
        if count == 0:
            yield event_document(source, base, uid, master, calendar_name, dropped=dropped, rrule=rrule,
                                 extra={"recurring": True, "expanded": False,
                                        "expansion_note": "no occurrence inside the expansion window"})


READER = CalendarReader()
