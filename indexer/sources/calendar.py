"""Reader for iCalendar files (``.ics``): one ``event`` Document per event or occurrence, plus to-dos.

Single events are always read. Recurring events (RRULE/RDATE/EXDATE, with RECURRENCE-ID
overrides) are expanded with ``recurring-ical-events`` inside a window around "now" (by default
one year back, two years ahead, at most 500 occurrences per event); a series with no occurrence
in the window is kept as one document for its first occurrence. Rules so dense that expanding
them would take too long (``FREQ=SECONDLY`` since 1970) are not expanded.

A file icalendar cannot parse as a whole is re-read component by component, so one broken event
does not lose the rest; an event whose start date cannot be read becomes a ReadFailure.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events
import x_wr_timezone

from indexer.document import Document, ReadFailure
from indexer.identity import normalize_email
from indexer.sources.base import ReadItem, sniff_begin_block
from indexer.sources.contacts import decode_bytes

log = logging.getLogger(__name__)

DEFAULT_WINDOW_BEFORE = timedelta(days=365)
DEFAULT_WINDOW_AFTER = timedelta(days=730)
DEFAULT_MAX_OCCURRENCES = 500
# Rough count of rule iterations (periods times BYxxx expansions) above which a series is not
# expanded, per series and per file. recurring-ical-events walks every period from DTSTART.
MAX_EXPANSION_STEPS = 200_000
MAX_EXPANSION_STEPS_PER_FILE = 2_000_000
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 20_000
EXTENSIONS = (".ics", ".ical", ".icalendar", ".ifb")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_FREQ_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400,
                 "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
_DATE_PROPS = ("DTSTART", "DTEND", "DUE", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")
_CONTENT_LINE_RE = re.compile(r"^[A-Za-z0-9-]+(?:;[^:]*)?:", re.DOTALL)


class EventError(Exception):
    """An event that cannot become a document (its reason is the message)."""


# --- time helpers --------------------------------------------------------------------------------

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


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc).isoformat()
    return value.isoformat()


def _day_text(value: date) -> str:
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def _point_text(value: date | datetime) -> str:
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


# --- property helpers -----------------------------------------------------------------------------

def _text(component: icalendar.cal.Component, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _address(value: Any) -> dict[str, Any]:
    """An ORGANIZER/ATTENDEE value as ``{"name", "email", "role", "status", "type"}``."""
    params = getattr(value, "params", {}) or {}
    raw = str(value).strip()
    email = normalize_email(raw) if raw.lower().startswith("mailto:") or "@" in raw else ""
    name = str(params.get("CN", "")).strip().strip('"')
    return {
        "name": name,
        "email": email or (raw if raw and not raw.lower().startswith("mailto:") else ""),
        "role": str(params.get("ROLE", "")).lower() or None,
        "status": str(params.get("PARTSTAT", "")).lower() or None,
        "type": str(params.get("CUTYPE", "")).lower() or None,
    }


def _address_text(addr: dict[str, Any]) -> str:
    if addr["name"] and addr["email"] and addr["name"].lower() != addr["email"].lower():
        return f"{addr['name']} <{addr['email']}>"
    return addr["name"] or addr["email"]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _categories(component: icalendar.cal.Component) -> list[str]:
    found: list[str] = []
    for value in _as_list(component.get("CATEGORIES")):
        cats = getattr(value, "cats", None)
        for cat in cats if cats is not None else str(value).split(","):
            text = str(cat).strip()
            if text and text not in found:
                found.append(text)
    return found


def _geo(component: icalendar.cal.Component) -> dict[str, float] | None:
    geo = component.get("GEO")
    try:
        if geo is not None:
            return {"lat": float(geo.latitude), "lon": float(geo.longitude)}
    except (AttributeError, TypeError, ValueError):
        pass
    structured = component.get("X-APPLE-STRUCTURED-LOCATION")
    match = re.match(r"^geo:\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)", str(structured or ""))
    if match:
        return {"lat": float(match.group(1)), "lon": float(match.group(2))}
    return None


def _rrule_text(component: icalendar.cal.Component) -> str | None:
    rules = _as_list(component.get("RRULE"))
    texts = []
    for rule in rules:
        try:
            texts.append(rule.to_ical().decode("utf-8", errors="replace"))
        except Exception:
            texts.append(str(rule))
    return "\n".join(texts) or None


def _is_recurring(component: icalendar.cal.Component) -> bool:
    return "RECURRENCE-ID" not in component and ("RRULE" in component or "RDATE" in component)


def check_dates(component: icalendar.cal.Component) -> list[str]:
    """Raise EventError when DTSTART is missing or unreadable; drop other broken date properties.

    Returns the names of the properties that were dropped (a bad DTEND or EXDATE costs that
    property, not the whole event). A DTEND of another type than DTSTART (a date against a
    time, floating against zoned) or before DTSTART counts as broken.
    """
    broken = {name for name, _ in getattr(component, "errors", []) if name in _DATE_PROPS}
    values: dict[str, Any] = {}
    for name in _DATE_PROPS:
        if name in component and name not in broken:
            try:
                values[name] = component.decoded(name)
            except Exception:
                broken.add(name)
    for name in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID"):
        if name in values and not isinstance(values[name], date):  # a list (repeated) or a bare time
            broken.add(name)
    if "DURATION" in values and not isinstance(values["DURATION"], timedelta):
        broken.add("DURATION")
    if "DTSTART" in broken:
        reason = next((msg for name, msg in getattr(component, "errors", []) if name == "DTSTART"), "")
        raise EventError(f"unreadable DTSTART{': ' + reason if reason else ''}")
    if "DTSTART" not in component and component.name == "VEVENT":
        raise EventError("event has no DTSTART")
    start = values.get("DTSTART")
    for name in ("DTEND", "DUE"):
        end = values.get(name)
        if start is None or end is None or name in broken:
            continue
        if (isinstance(start, datetime) != isinstance(end, datetime)
                or (isinstance(start, datetime) and (start.tzinfo is None) != (end.tzinfo is None))
                or end < start):
            broken.add(name)
    for name in sorted(broken):
        del component[name]
    return sorted(broken)


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
    for rule in _as_list(component.get("RRULE")):
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
    total += len(_as_list(component.get("RDATE")))
    return total


# --- salvaging a file icalendar rejects ---------------------------------------------------------

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


# --- the reader ----------------------------------------------------------------------------------

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
        text = decode_bytes(path.read_bytes())
        upper = text.upper()
        if not text.strip():
            yield ReadFailure(source, "empty file")
            return
        has_items = "BEGIN:VEVENT" in upper or "BEGIN:VTODO" in upper
        if "BEGIN:VCALENDAR" not in upper and not has_items:
            yield ReadFailure(source, "not an iCalendar file: no BEGIN:VCALENDAR")
            return
        calendars, error = self._parse(text)
        found = sum(len(self._items(cal)) for cal in calendars or [])
        if calendars is None or (has_items and found == 0):
            rebuilt, problems = salvage_components(text)
            calendars = self._parse(rebuilt)[0] if rebuilt else None
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

    @staticmethod
    def _parse(text: str) -> tuple[list[icalendar.Calendar] | None, str | None]:
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

    @staticmethod
    def _items(cal: icalendar.Calendar) -> list[icalendar.cal.Component]:
        return [c for c in cal.subcomponents if c.name in ("VEVENT", "VTODO")]

    def _read_calendars(self, source: str, calendars: list[icalendar.Calendar], budget: list[int]) -> Iterator[ReadItem]:
        window_start, window_end = self.window()
        event_index = todo_index = 0
        for cal in calendars:
            calendar_name = _text(cal, "X-WR-CALNAME") or None
            timezones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
            groups: dict[str, list[tuple[int, icalendar.cal.Component]]] = {}
            for component in self._items(cal):
                if component.name == "VTODO":
                    try:
                        yield from self._todo(source, component, todo_index, calendar_name)
                    except Exception as exc:
                        locator = _text(component, "UID") or f"todo:{todo_index}"
                        yield ReadFailure(source, f"could not read to-do: {type(exc).__name__}: {exc}", locator)
                    todo_index += 1
                    continue
                uid = _text(component, "UID")
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
        masters = [(i, c, d) for i, c, d in good if _is_recurring(c)]
        if not masters:
            for index, component, dropped in good:
                locator = uid or f"event:{index}"
                if "RECURRENCE-ID" in component or len(good) > 1:
                    locator = f"{locator}@{start_key(component.decoded('DTSTART'))}"
                yield self._document(source, locator, uid, component, calendar_name, dropped=dropped)
            return
        index, master, dropped = masters[0]
        base = uid or f"event:{index}"
        rrule = _rrule_text(master)
        steps = expansion_steps(master, window_end)
        if steps > MAX_EXPANSION_STEPS or steps > budget[0]:
            log.info("not expanding %s in %s: about %d rule steps", base, source, steps)
            yield self._document(source, base, uid, master, calendar_name, dropped=dropped, rrule=rrule,
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
            for occurrence in self._occurrences(sub, density, window_start, window_end):
                begin = occurrence.decoded("DTSTART")
                yield self._document(source, f"{base}@{start_key(begin)}", uid, occurrence, calendar_name,
                                     dropped=dropped, rrule=rrule, extra={"recurring": True, "expanded": True})
                count += 1
                if count >= self.max_occurrences:
                    log.info("capped %s in %s at %d occurrences", base, source, count)
                    break
        except Exception as exc:  # a rule the expander chokes on: keep the first occurrence at least
            yield ReadFailure(source, f"could not expand recurrence: {type(exc).__name__}: {exc}", base)
        if count == 0:
            yield self._document(source, base, uid, master, calendar_name, dropped=dropped, rrule=rrule,
                                 extra={"recurring": True, "expanded": False,
                                        "expansion_note": "no occurrence inside the expansion window"})

    def _occurrences(self, sub: icalendar.Calendar, density: int, window_start: datetime,
                     window_end: datetime) -> Iterator[icalendar.cal.Component]:
        """Occurrences inside the window in start order, fetched in as few ``between`` calls as
        the occurrence cap allows (each call re-walks the rule from DTSTART)."""
        query = recurring_ical_events.of(sub)
        chunks = 1 if density <= 4 * self.max_occurrences else min(1000, -(-density // (2 * self.max_occurrences)))
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

    # -- building documents --

    def _document(self, source: str, locator: str, *args: Any, **kwargs: Any) -> ReadItem:
        """Build one event document; an event that still trips the builder becomes a ReadFailure."""
        try:
            return self._build_document(source, locator, *args, **kwargs)
        except Exception as exc:
            return ReadFailure(source, f"could not read event: {type(exc).__name__}: {exc}", locator)

    def _build_document(self, source: str, locator: str, uid: str, component: icalendar.cal.Component,
                  calendar_name: str | None, *, dropped: list[str] | None = None, rrule: str | None = None,
                  extra: dict[str, Any] | None = None) -> Document:
        start = component.decoded("DTSTART")
        try:
            end = component.end
        except Exception:
            end = None
        all_day = not isinstance(start, datetime)
        metadata: dict[str, Any] = {"all_day": all_day}
        if isinstance(start, datetime) and start.tzinfo is None:
            tzid = component["DTSTART"].params.get("TZID") if hasattr(component["DTSTART"], "params") else None
            metadata["floating"] = True
            metadata["time_note"] = (f"unknown time zone {tzid!r}; time read as UTC" if tzid
                                     else "floating time (no time zone in the file); read as UTC")
        elif isinstance(start, datetime):
            offset = start.utcoffset()
            if offset is not None:
                metadata["tz_offset_minutes"] = int(offset.total_seconds() // 60)
            metadata["tzid"] = getattr(start.tzinfo, "key", None) or str(start.tzinfo)
        summary = _text(component, "SUMMARY")
        location = _text(component, "LOCATION")
        if not location:
            structured = component.get("X-APPLE-STRUCTURED-LOCATION")
            location = str(getattr(structured, "params", {}).get("X-TITLE", "")).strip() if structured else ""
        organizer = _address(component["ORGANIZER"]) if "ORGANIZER" in component else None
        attendees = [_address(value) for value in _as_list(component.get("ATTENDEE"))]
        description = _text(component, "DESCRIPTION")[:MAX_DESCRIPTION_CHARS]
        status = _text(component, "STATUS").lower() or None
        categories = _categories(component)
        recurrence_id = component.get("RECURRENCE-ID")
        timestamp = as_utc(start) if (all_day or start.tzinfo is None) else start
        metadata.update({
            "start": start.isoformat() if all_day else _iso(start),
            "end": _iso(end),
            "location": location or None,
            "place": location or None,
            "geo": _geo(component),
            "organizer": _address_text(organizer) if organizer else None,
            "attendees": attendees,
            "status": status,
            "rrule": rrule if rrule is not None else _rrule_text(component),
            "recurrence_id": start_key(component.decoded("RECURRENCE-ID")) if recurrence_id is not None else None,
            "categories": categories,
            "description": description or None,
            "url": _text(component, "URL") or None,
            "calendar": calendar_name,
            "event_uid": uid or None,
            "transparency": _text(component, "TRANSP").lower() or None,
        })
        if dropped:
            metadata["dropped_properties"] = dropped
        metadata.update(extra or {})
        people = [a for a in attendees if a["type"] not in ("room", "resource")]
        body = self._body(summary, start, end, location, organizer, people, status, categories,
                          description, bool(metadata.get("recurring")), rrule)
        return Document(
            kind="event",
            source_path=source,
            locator=locator,
            title=summary or "Untitled event",
            body=body,
            timestamp=timestamp,
            author=_address_text(organizer) if organizer else None,
            participants=[text for text in (_address_text(a) for a in people) if text],
            metadata=metadata,
            uid=f"{uid}@{start_key(start)}" if uid else None,
        )

    @staticmethod
    def _body(summary: str, start: date | datetime, end: date | datetime | None, location: str,
              organizer: dict[str, Any] | None, attendees: list[dict[str, Any]], status: str | None,
              categories: list[str], description: str, recurring: bool, rrule: str | None) -> str:
        sentence = f"{summary or 'Untitled event'} {describe_when(start, end)}"
        if location:
            sentence += f" at {location}"
        parts = [sentence + "."]
        if status == "cancelled":
            parts.append("This event was cancelled.")
        elif status == "tentative":
            parts.append("Tentative.")
        if recurring and rrule:
            freq = re.search(r"FREQ=(\w+)", rrule)
            if freq:
                parts.append(f"Repeats {freq.group(1).lower()}.")
        if organizer:
            parts.append(f"Organizer: {_address_text(organizer)}.")
        if attendees:
            parts.append(f"Attendees: {', '.join(_address_text(a) for a in attendees if _address_text(a))}.")
        if categories:
            parts.append(f"Categories: {', '.join(categories)}.")
        if description:
            parts.append(description)
        return "\n".join(parts)

    def _todo(self, source: str, component: icalendar.cal.Component, index: int,
              calendar_name: str | None) -> Iterator[ReadItem]:
        uid = _text(component, "UID")
        locator = uid or f"todo:{index}"
        try:
            dropped = check_dates(component)
        except EventError as exc:
            yield ReadFailure(source, str(exc), locator)
            return
        due = component.decoded("DUE") if "DUE" in component else None
        begin = component.decoded("DTSTART") if "DTSTART" in component else None
        completed = None
        try:
            completed = component.decoded("COMPLETED") if "COMPLETED" in component else None
        except Exception:
            completed = None
        when = due or begin
        summary = _text(component, "SUMMARY")
        status = _text(component, "STATUS").lower() or None
        description = _text(component, "DESCRIPTION")[:MAX_DESCRIPTION_CHARS]
        parts = [f"To-do: {summary or 'untitled'}" + (f", due {_point_text(due)}" if due else "") + "."]
        if status:
            parts.append(f"Status: {status.replace('-', ' ')}.")
        if description:
            parts.append(description)
        metadata: dict[str, Any] = {
            "todo": True,
            "all_day": when is not None and not isinstance(when, datetime),
            "start": _iso(begin),
            "due": _iso(due),
            "completed": _iso(completed),
            "status": status,
            "priority": _text(component, "PRIORITY") or None,
            "categories": _categories(component),
            "description": description or None,
            "location": _text(component, "LOCATION") or None,
            "place": _text(component, "LOCATION") or None,
            "calendar": calendar_name,
            "event_uid": uid or None,
        }
        if isinstance(when, datetime) and when.tzinfo is not None and when.utcoffset() is not None:
            metadata["tz_offset_minutes"] = int(when.utcoffset().total_seconds() // 60)
        if dropped:
            metadata["dropped_properties"] = dropped
        yield Document(
            kind="event",
            source_path=source,
            locator=locator,
            title=summary or "Untitled to-do",
            body="\n".join(parts),
            timestamp=as_utc(when) if when is not None and (not isinstance(when, datetime) or when.tzinfo is None)
            else when,
            metadata=metadata,
            uid=f"{uid}@{start_key(when)}" if uid and when is not None else (uid or None),
        )


READER = CalendarReader()
