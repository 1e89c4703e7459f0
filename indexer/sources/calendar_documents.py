"""Event and to-do Documents from checked iCalendar components: metadata, and the body text
that says what, when, where and who in words."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import icalendar

from indexer.document import Document, ReadFailure
from indexer.sources.base import ReadItem
from indexer.sources.calendar_props import (
    EventError,
    address_text,
    as_list,
    categories_of,
    check_dates,
    geo_of,
    parse_address,
    prop_text,
    rrule_text,
)
from indexer.sources.calendar_time import as_utc, describe_when, iso_text, point_text, start_key

MAX_DESCRIPTION_CHARS = 20_000


def event_document(source: str, locator: str, *args: Any, **kwargs: Any) -> ReadItem:
    """Build one event document; an event that still trips the builder becomes a ReadFailure."""
    try:
        return _build_event(source, locator, *args, **kwargs)
    except Exception as exc:
        return ReadFailure(source, f"could not read event: {type(exc).__name__}: {exc}", locator)


def _build_event(source: str, locator: str, uid: str, component: icalendar.cal.Component,
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
    summary = prop_text(component, "SUMMARY")
    location = prop_text(component, "LOCATION")
    if not location:
        structured = component.get("X-APPLE-STRUCTURED-LOCATION")
        location = str(getattr(structured, "params", {}).get("X-TITLE", "")).strip() if structured else ""
    organizer = parse_address(component["ORGANIZER"]) if "ORGANIZER" in component else None
    attendees = [parse_address(value) for value in as_list(component.get("ATTENDEE"))]
    description = prop_text(component, "DESCRIPTION")[:MAX_DESCRIPTION_CHARS]
    status = prop_text(component, "STATUS").lower() or None
    categories = categories_of(component)
    recurrence_id = component.get("RECURRENCE-ID")
    timestamp = as_utc(start) if (all_day or start.tzinfo is None) else start
    metadata.update({
        "start": start.isoformat() if all_day else iso_text(start),
        "end": iso_text(end),
        "location": location or None,
        "place": location or None,
        "geo": geo_of(component),
        "organizer": address_text(organizer) if organizer else None,
        "attendees": attendees,
        "status": status,
        "rrule": rrule if rrule is not None else rrule_text(component),
        "recurrence_id": start_key(component.decoded("RECURRENCE-ID")) if recurrence_id is not None else None,
        "categories": categories,
        "description": description or None,
        "url": prop_text(component, "URL") or None,
        "calendar": calendar_name,
        "event_uid": uid or None,
        "transparency": prop_text(component, "TRANSP").lower() or None,
    })
    if dropped:
        metadata["dropped_properties"] = dropped
    metadata.update(extra or {})
    people = [a for a in attendees if a["type"] not in ("room", "resource")]
    body = _event_body(summary, start, end, location, organizer, people, status, categories,
                      description, bool(metadata.get("recurring")), rrule)
    return Document(
        kind="event",
        source_path=source,
        locator=locator,
        title=summary or "Untitled event",
        body=body,
        timestamp=timestamp,
        author=address_text(organizer) if organizer else None,
        participants=[text for text in (address_text(a) for a in people) if text],
        metadata=metadata,
        uid=f"{uid}@{start_key(start)}" if uid else None,
    )


def _event_body(summary: str, start: date | datetime, end: date | datetime | None, location: str,
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
        parts.append(f"Organizer: {address_text(organizer)}.")
    if attendees:
        parts.append(f"Attendees: {', '.join(address_text(a) for a in attendees if address_text(a))}.")
    if categories:
        parts.append(f"Categories: {', '.join(categories)}.")
    if description:
        parts.append(description)
    return "\n".join(parts)


def todo_documents(source: str, component: icalendar.cal.Component, index: int,
                   calendar_name: str | None) -> Iterator[ReadItem]:
    uid = prop_text(component, "UID")
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
    summary = prop_text(component, "SUMMARY")
    status = prop_text(component, "STATUS").lower() or None
    description = prop_text(component, "DESCRIPTION")[:MAX_DESCRIPTION_CHARS]
    parts = [f"To-do: {summary or 'untitled'}" + (f", due {point_text(due)}" if due else "") + "."]
    if status:
        parts.append(f"Status: {status.replace('-', ' ')}.")
    if description:
        parts.append(description)
    metadata: dict[str, Any] = {
        "todo": True,
        "all_day": when is not None and not isinstance(when, datetime),
        "start": iso_text(begin),
        "due": iso_text(due),
        "completed": iso_text(completed),
        "status": status,
        "priority": prop_text(component, "PRIORITY") or None,
        "categories": categories_of(component),
        "description": description or None,
        "location": prop_text(component, "LOCATION") or None,
        "place": prop_text(component, "LOCATION") or None,
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
