"""Tests for the iCalendar reader (indexer.sources.calendar) on real and inline .ics files."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from indexer.document import Document, ReadFailure
from indexer.sources import base
from indexer.sources.calendar import READER, CalendarReader, describe_when

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
EXIFTOOL_ICS = CORPORA / "photos-exiftool-t-images" / "t" / "images" / "VCard.ics"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

DENTIST = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//kith tests//EN
X-WR-CALNAME:Personal
BEGIN:VEVENT
UID:dentist-1@example.com
DTSTAMP:20261101T120000Z
DTSTART;TZID=Europe/Lisbon:20261202T093000
DTEND;TZID=Europe/Lisbon:20261202T101500
SUMMARY:Dentist appointment with Dr. Silva
LOCATION:Clínica Sorriso\\, Lisbon
GEO:38.7223;-9.1393
DESCRIPTION:Bring the X-rays.\\nAsk about whitening.
ORGANIZER;CN=Clínica Sorriso:mailto:Agenda@Sorriso.example
ATTENDEE;CN=Alice Martin;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:alice@example.com
ATTENDEE;CN=Dr. Silva;PARTSTAT=NEEDS-ACTION:mailto:silva@sorriso.example
ATTENDEE;CUTYPE=ROOM;CN=Room 2:mailto:room2@sorriso.example
CATEGORIES:Health,Appointments
STATUS:CONFIRMED
URL:https://sorriso.example/booking/42
END:VEVENT
END:VCALENDAR
"""

NEW_YORK = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:ny-1
DTSTART;TZID=America/New_York:20260115T180000
DURATION:PT2H
SUMMARY:Dinner in New York
END:VEVENT
BEGIN:VEVENT
UID:utc-1
DTSTART:20260116T090000Z
DTEND:20260116T100000Z
SUMMARY:Call in UTC
END:VEVENT
BEGIN:VEVENT
UID:floating-1
DTSTART:20260117T080000
DTEND:20260117T083000
SUMMARY:Floating breakfast
END:VEVENT
BEGIN:VEVENT
UID:unknown-tz-1
DTSTART;TZID=Nowhere/Land:20260118T080000
SUMMARY:Unknown zone
END:VEVENT
END:VCALENDAR
"""

ALL_DAY = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:holiday-1
DTSTART;VALUE=DATE:20260501
DTEND;VALUE=DATE:20260502
SUMMARY:Labour Day
END:VEVENT
BEGIN:VEVENT
UID:trip-1
DTSTART;VALUE=DATE:20260803
DTEND;VALUE=DATE:20260808
SUMMARY:Trip to Porto
LOCATION:Porto
END:VEVENT
END:VCALENDAR
"""

# Weekly on Mondays at 10:00 Lisbon time from 5 Jan 2026, 20 times; 19 Jan is cancelled (EXDATE)
# and 12 Jan is moved to 14:00 in another room (RECURRENCE-ID override).
WEEKLY = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Europe/Lisbon
BEGIN:STANDARD
DTSTART:19961027T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19960331T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:standup@example.com
DTSTART;TZID=Europe/Lisbon:20260105T100000
DTEND;TZID=Europe/Lisbon:20260105T101500
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20
EXDATE;TZID=Europe/Lisbon:20260119T100000
SUMMARY:Team stand-up
LOCATION:Room A
ORGANIZER;CN=Bob:mailto:bob@example.com
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
RECURRENCE-ID;TZID=Europe/Lisbon:20260112T100000
DTSTART;TZID=Europe/Lisbon:20260112T140000
DTEND;TZID=Europe/Lisbon:20260112T141500
SUMMARY:Team stand-up (moved)
LOCATION:Room B
END:VEVENT
END:VCALENDAR
"""

MIXED = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:good-1
DTSTART:20260301T100000Z
SUMMARY:Good event before
END:VEVENT
BEGIN:VEVENT
UID:bad-date
DTSTART:2026-13-45garbage
SUMMARY:Event with a bad date
END:VEVENT
BEGIN:VEVENT
UID:bad-end
DTSTART:20260302T100000Z
DTEND:not-a-date
SUMMARY:Event with a bad end
END:VEVENT
BEGIN:VEVENT
SUMMARY:Event without a start
UID:no-start
END:VEVENT
BEGIN:VEVENT
DTSTART:20260303T100000Z
SUMMARY:Event without a UID
END:VEVENT
BEGIN:VEVENT
UID:good-2
DTSTART:20260304T100000Z
SUMMARY:Good event after
END:VEVENT
END:VCALENDAR
"""


def write(tmp_path: Path, text: str, name: str = "cal.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return path


def read_all(path: Path, reader: CalendarReader | None = None) -> tuple[list[Document], list[ReadFailure]]:
    items = list((reader or CalendarReader(now=NOW)).read(path))
    docs = [i for i in items if isinstance(i, Document)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert len(docs) + len(failures) == len(items)
    for doc in docs:
        assert doc.kind == "event"
        assert doc.timestamp is not None and doc.timestamp.tzinfo is not None
    return docs, failures


def test_reader_is_registered() -> None:
    assert any(r.name == "calendar.ics" and r.kind == "event" for r in base._READERS)
    assert isinstance(READER, base.Reader)


def test_sniff() -> None:
    assert READER.sniff(Path("a.ics"), b"BEGIN:VCALENDAR\r\n") == 1.0
    assert READER.sniff(Path("invite"), b"\xef\xbb\xbfBEGIN:VCALENDAR\r\n") > 0.8
    assert 0 < READER.sniff(Path("a.ICS"), b"garbage") < 0.8
    assert READER.sniff(Path("mail.eml"), b"Subject: x\r\n\r\nBEGIN:VCALENDAR") == 0.0
    assert READER.sniff(Path("a.vcf"), b"BEGIN:VCARD\r\n") == 0.0


def test_single_event_with_timezone_attendees_and_place(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, DENTIST))
    assert failures == []
    (doc,) = docs
    meta = doc.metadata
    assert doc.title == "Dentist appointment with Dr. Silva"
    assert doc.locator == "dentist-1@example.com"
    assert doc.uid == "dentist-1@example.com@2026-12-02T09:30:00Z"
    assert doc.timestamp == datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert meta["tz_offset_minutes"] == 0
    assert meta["start"] == "2026-12-02T09:30:00+00:00" and meta["end"] == "2026-12-02T10:15:00+00:00"
    assert meta["all_day"] is False
    assert meta["place"] == meta["location"] == "Clínica Sorriso, Lisbon"
    assert meta["geo"] == {"lat": 38.7223, "lon": -9.1393}
    assert doc.author == meta["organizer"] == "Clínica Sorriso <agenda@sorriso.example>"
    assert doc.participants == ["Alice Martin <alice@example.com>", "Dr. Silva <silva@sorriso.example>"]
    assert [a["status"] for a in meta["attendees"]] == ["accepted", "needs-action", None]
    assert meta["categories"] == ["Health", "Appointments"]
    assert meta["status"] == "confirmed"
    assert meta["url"] == "https://sorriso.example/booking/42"
    assert meta["calendar"] == "Personal"
    assert meta["description"] == "Bring the X-rays.\nAsk about whitening."
    assert doc.body.startswith(
        "Dentist appointment with Dr. Silva on Wednesday 2 December 2026 09:30–10:15 at Clínica Sorriso, Lisbon."
    )
    assert "Attendees: Alice Martin <alice@example.com>, Dr. Silva <silva@sorriso.example>." in doc.body
    assert "Bring the X-rays." in doc.body


def test_offsets_utc_floating_and_unknown_zones(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, NEW_YORK))
    assert failures == []
    by_uid = {d.metadata["event_uid"]: d for d in docs}
    ny = by_uid["ny-1"]
    assert ny.metadata["tz_offset_minutes"] == -300
    assert ny.timestamp.astimezone(timezone.utc) == datetime(2026, 1, 15, 23, 0, tzinfo=timezone.utc)
    assert ny.metadata["end"] == "2026-01-15T20:00:00-05:00"  # from DURATION
    assert "18:00–20:00" in ny.body
    assert ny.uid == "ny-1@2026-01-15T23:00:00Z"
    utc = by_uid["utc-1"]
    assert utc.metadata["tz_offset_minutes"] == 0 and "floating" not in utc.metadata
    floating = by_uid["floating-1"]
    assert floating.metadata["floating"] is True
    assert floating.timestamp == datetime(2026, 1, 17, 8, 0, tzinfo=timezone.utc)
    assert "UTC" in floating.metadata["time_note"] and "tz_offset_minutes" not in floating.metadata
    unknown = by_uid["unknown-tz-1"]
    assert unknown.metadata["floating"] is True and "Nowhere/Land" in unknown.metadata["time_note"]


def test_all_day_events(tmp_path: Path) -> None:
    docs, _ = read_all(write(tmp_path, ALL_DAY))
    holiday, trip = docs
    assert holiday.metadata["all_day"] is True
    assert holiday.timestamp == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert holiday.metadata["start"] == "2026-05-01" and holiday.metadata["end"] == "2026-05-02"
    assert holiday.uid == "holiday-1@2026-05-01"
    assert "tz_offset_minutes" not in holiday.metadata
    assert holiday.body.startswith("Labour Day on Friday 1 May 2026 (all day).")
    assert trip.body.startswith("Trip to Porto from Monday 3 August 2026 to Friday 7 August 2026 (all day) at Porto.")


def test_weekly_rrule_with_exdate_and_override_inside_window(tmp_path: Path) -> None:
    path = write(tmp_path, WEEKLY)
    # Window: 2025-12-02 .. 2026-03-02 (30 days back, 60 ahead of 1 Jan 2026).
    reader = CalendarReader(now=NOW, window_before=timedelta(days=30), window_after=timedelta(days=60))
    docs, failures = read_all(path, reader)
    assert failures == []
    starts = [d.metadata["start"] for d in docs]
    assert starts == [
        "2026-01-05T10:00:00+00:00", "2026-01-12T14:00:00+00:00", "2026-01-26T10:00:00+00:00",
        "2026-02-02T10:00:00+00:00", "2026-02-09T10:00:00+00:00", "2026-02-16T10:00:00+00:00",
        "2026-02-23T10:00:00+00:00",
    ]
    moved = docs[1]
    assert moved.title == "Team stand-up (moved)" and moved.metadata["place"] == "Room B"
    assert moved.metadata["recurrence_id"] == "2026-01-12T10:00:00Z"
    assert moved.locator == "standup@example.com@2026-01-12T14:00:00Z"
    first = docs[0]
    assert first.locator == "standup@example.com@2026-01-05T10:00:00Z"
    assert first.uid == "standup@example.com@2026-01-05T10:00:00Z"
    assert first.metadata["rrule"] == "FREQ=WEEKLY;COUNT=20;BYDAY=MO"
    assert first.metadata["recurring"] is True and first.metadata["expanded"] is True
    assert first.author == "Bob <bob@example.com>"
    assert "Repeats weekly." in first.body
    assert len({d.locator for d in docs}) == len(docs) and len({d.uid for d in docs}) == len(docs)
    # After summer time starts (29 March) the same 10:00 wall time has a +60 offset.
    later = CalendarReader(now=datetime(2026, 4, 1, tzinfo=timezone.utc), window_before=timedelta(days=1))
    docs, _ = read_all(path, later)
    assert docs[0].metadata["start"] == "2026-04-06T10:00:00+01:00"
    assert docs[0].metadata["tz_offset_minutes"] == 60


def test_occurrence_cap_and_default_window(tmp_path: Path) -> None:
    text = WEEKLY.replace(";COUNT=20", "")
    path = write(tmp_path, text)
    capped = CalendarReader(now=NOW, window_after=timedelta(days=3650), max_occurrences=25)
    docs, _ = read_all(path, capped)
    assert len(docs) == 25
    default = CalendarReader(now=NOW)  # one year back, two years ahead
    docs, _ = read_all(path, default)
    assert 100 < len(docs) <= 105  # 2 Jan 2026 .. 1 Jan 2028, minus one EXDATE
    assert docs[-1].timestamp < NOW + timedelta(days=731)


def test_series_outside_window_is_kept_once(tmp_path: Path) -> None:
    old = WEEKLY.replace("2026", "2016")
    docs, failures = read_all(write(tmp_path, old))
    assert failures == []
    (doc,) = docs
    assert doc.locator == "standup@example.com"
    assert doc.metadata["expanded"] is False and doc.metadata["rrule"]
    assert doc.metadata["start"] == "2016-01-05T10:00:00+00:00"


def test_dense_rule_is_not_expanded_and_is_fast(tmp_path: Path) -> None:
    text = """BEGIN:VCALENDAR
BEGIN:VEVENT
UID:every-second
DTSTART:20000101T000000Z
RRULE:FREQ=SECONDLY
SUMMARY:Hostile rule
END:VEVENT
BEGIN:VEVENT
UID:every-minute-this-year
DTSTART:20260101T000000Z
RRULE:FREQ=MINUTELY
SUMMARY:Dense but recent
END:VEVENT
END:VCALENDAR
"""
    started = time.monotonic()
    docs, failures = read_all(write(tmp_path, text))
    assert time.monotonic() - started < 10
    hostile = [d for d in docs if d.metadata["event_uid"] == "every-second"]
    assert len(hostile) == 1 and hostile[0].metadata["expanded"] is False
    dense = [d for d in docs if d.metadata["event_uid"] == "every-minute-this-year"]
    assert len(dense) == 1 and dense[0].metadata["expanded"] is False


def test_bad_event_is_skipped_and_neighbours_survive(tmp_path: Path) -> None:
    docs, failures = read_all(write(tmp_path, MIXED))
    assert [d.title for d in docs] == ["Good event before", "Event with a bad end", "Event without a UID",
                                       "Good event after"]
    assert {f.locator for f in failures} == {"bad-date", "no-start"}
    assert all(f.error for f in failures)
    assert "DTSTART" in next(f.error for f in failures if f.locator == "bad-date")
    bad_end = docs[1]
    assert bad_end.metadata["dropped_properties"] == ["DTEND"]
    no_uid = docs[2]
    assert no_uid.locator == "event:4" and no_uid.uid is None


def test_syntax_error_is_salvaged_component_by_component(tmp_path: Path) -> None:
    text = MIXED.replace("VERSION:2.0\n", "VERSION:2.0\nthis is not an ical line\n")
    text = text.replace("END:VEVENT\nBEGIN:VEVENT\nUID:good-2", "BEGIN:VEVENT\nUID:cut-off\nDTSTART:20260305T100000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:good-2", 1)
    docs, failures = read_all(write(tmp_path, text))
    titles = [d.title for d in docs]
    assert "Good event before" in titles and "Good event after" in titles
    assert "Event without a UID" not in titles  # its END:VEVENT was cut off
    assert any(f.locator == "line:3" and "not iCalendar" in f.error for f in failures)
    assert any("has no END:VEVENT" in f.error for f in failures)
    assert any(f.locator == "bad-date" for f in failures)


def test_unreadable_files_yield_a_failure_not_an_exception(tmp_path: Path) -> None:
    for name, data in [
        ("garbage.ics", b"\x00\x01\x02 this is not a calendar"),
        ("empty.ics", b""),
        ("card.ics", b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n"),
        ("truncated.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260101T100000Z\r\n"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        docs, failures = read_all(path)
        assert docs == [], name
        assert len(failures) == 1 and failures[0].locator == "" and failures[0].error, name


def test_todo_entries(tmp_path: Path) -> None:
    text = """BEGIN:VCALENDAR
BEGIN:VTODO
UID:todo-1
DUE;VALUE=DATE:20260105
SUMMARY:Renew passport
STATUS:NEEDS-ACTION
END:VTODO
BEGIN:VTODO
UID:todo-2
SUMMARY:Someday
END:VTODO
END:VCALENDAR
"""
    items = list(CalendarReader(now=NOW).read(write(tmp_path, text)))
    renew, someday = items
    assert isinstance(renew, Document) and renew.metadata["todo"] is True
    assert renew.metadata["due"] == "2026-01-05"
    assert renew.timestamp == datetime(2026, 1, 5, tzinfo=timezone.utc)
    assert renew.body.startswith("To-do: Renew passport, due Monday 5 January 2026.")
    assert isinstance(someday, Document) and someday.timestamp is None and someday.uid == "todo-2"


def test_describe_when() -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    assert describe_when(date(2026, 12, 2), date(2026, 12, 3)) == "on Wednesday 2 December 2026 (all day)"
    start = datetime(2026, 12, 2, 23, 0, tzinfo=lisbon)
    assert describe_when(start, start + timedelta(hours=2)) == (
        "from Wednesday 2 December 2026 23:00 to Thursday 3 December 2026 01:00")
    assert describe_when(start, None) == "on Wednesday 2 December 2026 23:00"


@pytest.mark.corpora
def test_exiftool_sample_ics() -> None:
    if not EXIFTOOL_ICS.exists():
        pytest.skip(f"shared corpora not found at {EXIFTOOL_ICS}")
    assert READER.sniff(EXIFTOOL_ICS, base.read_head(EXIFTOOL_ICS)) == 1.0
    # Weekly Monday 12:30 "Group meeting" since 16 Sep 2013, no end; two EXDATEs; 25 Nov 2013 moved to room 501.
    reader = CalendarReader(now=datetime(2014, 6, 1, tzinfo=timezone.utc))
    docs, failures = read_all(EXIFTOOL_ICS, reader)
    assert failures == []
    starts = [d.metadata["start"] for d in docs]
    assert starts[0] == "2013-09-16T12:30:00-04:00"
    assert "2014-12-01T12:30:00-05:00" not in starts and "2015-04-27T12:30:00-04:00" not in starts
    assert "2014-11-24T12:30:00-05:00" in starts and "2015-04-20T12:30:00-04:00" in starts
    moved = next(d for d in docs if d.metadata["start"] == "2013-11-25T12:30:00-05:00")
    assert moved.metadata["place"] == "501"
    assert {d.metadata["place"] for d in docs} == {"261", "501"}
    assert docs[0].metadata["calendar"] == "Calendar"
    # 16 Sep 2013 .. 1 Jun 2016 is 142 Mondays, minus the two EXDATEs.
    assert len(docs) == 140
    assert docs[0].body.startswith("Group meeting on Monday 16 September 2013 12:30–13:30 at 261.")


def test_odd_dates_found_by_fuzzing(tmp_path: Path) -> None:
    """Repeated DTSTART, a bare time, DTEND of another type and an overflowing DURATION."""
    text = """BEGIN:VCALENDAR
BEGIN:VEVENT
UID:twice
DTSTART:20260101T100000Z
DTSTART:20260102T100000Z
SUMMARY:Two starts
END:VEVENT
BEGIN:VEVENT
UID:mixed-end
DTSTART;VALUE=DATE:20260103
DTEND:20260103T120000Z
SUMMARY:Date start, time end
END:VEVENT
BEGIN:VEVENT
UID:naive-end
DTSTART:20260104T100000Z
DTEND:20260104T120000
SUMMARY:Zoned start, floating end
END:VEVENT
BEGIN:VEVENT
UID:backwards
DTSTART:20260105T100000Z
DTEND:20260101T100000Z
SUMMARY:Ends before it starts
END:VEVENT
BEGIN:VEVENT
UID:forever
DTSTART;VALUE=DATE:99991231
DURATION:P99999999D
SUMMARY:Far future
END:VEVENT
END:VCALENDAR
"""
    docs, failures = read_all(write(tmp_path, text))
    assert [f.locator for f in failures] == ["twice"]
    by_uid = {d.metadata["event_uid"]: d for d in docs}
    assert set(by_uid) == {"mixed-end", "naive-end", "backwards", "forever"}
    assert by_uid["mixed-end"].metadata["dropped_properties"] == ["DTEND"]
    assert by_uid["naive-end"].metadata["dropped_properties"] == ["DTEND"]
    assert by_uid["backwards"].metadata["dropped_properties"] == ["DTEND"]
    assert by_uid["forever"].timestamp == datetime(9999, 12, 31, tzinfo=timezone.utc)
