"""Reading iCalendar properties robustly: text, people (ORGANIZER/ATTENDEE), categories, GEO,
RRULE text, and checking an event's date properties (dropping broken ones)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from indexer.identity import normalize_email

_DATE_PROPS = ("DTSTART", "DTEND", "DUE", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")


class EventError(Exception):
    """An event that cannot become a document (its reason is the message)."""


def prop_text(component: icalendar.cal.Component, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def parse_address(value: Any) -> dict[str, Any]:
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


def address_text(addr: dict[str, Any]) -> str:
    if addr["name"] and addr["email"] and addr["name"].lower() != addr["email"].lower():
        return f"{addr['name']} <{addr['email']}>"
    return addr["name"] or addr["email"]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def categories_of(component: icalendar.cal.Component) -> list[str]:
    found: list[str] = []
    for value in as_list(component.get("CATEGORIES")):
        cats = getattr(value, "cats", None)
        for cat in cats if cats is not None else str(value).split(","):
            text = str(cat).strip()
            if text and text not in found:
                found.append(text)
    return found


def geo_of(component: icalendar.cal.Component) -> dict[str, float] | None:
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


def rrule_text(component: icalendar.cal.Component) -> str | None:
    rules = as_list(component.get("RRULE"))
    texts = []
    for rule in rules:
        try:
            texts.append(rule.to_ical().decode("utf-8", errors="replace"))
        except Exception:
            texts.append(str(rule))
    return "\n".join(texts) or None


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
