"""Golden slot-filling cases: dates relative to an injected now (incl. time zones), people, kinds, order."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.plan import PlanContext
from agent.planner import question_style, residual_query, understand_question
from agent.slots import DateSlotter

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")  # a Monday


def one(text: str, now: datetime = NOW, prefer: str = "past"):
    found = DateSlotter(now, prefer).find(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, start, end", [
    ("what happened last week", "2026-11-16T00:00:00+00:00", "2026-11-22T23:59:59+00:00"),
    ("mail from yesterday", "2026-11-22T00:00:00+00:00", "2026-11-22T23:59:59+00:00"),
    ("photos in March", "2026-03-01T00:00:00+00:00", "2026-03-31T23:59:59+00:00"),
    ("photos in December", "2025-12-01T00:00:00+00:00", "2025-12-31T23:59:59+00:00"),  # past preferred
    ("photos from Lisbon last summer", "2026-06-01T00:00:00+00:00", "2026-08-31T23:59:59+00:00"),
    ("messages in 2025", "2025-01-01T00:00:00+00:00", "2025-12-31T23:59:59+00:00"),
    ("anything last month", "2026-10-01T00:00:00+00:00", "2026-10-31T23:59:59+00:00"),
])
def test_ranges(text, start, end):
    mention = one(text)
    assert mention.start.isoformat() == start
    assert mention.end.isoformat() == end
    assert text[mention.span[0]:mention.span[1]] == mention.text


def test_since_monday_is_open_ended():
    mention = one("emails since Monday")
    assert mention.open_start and mention.text == "since Monday"
    assert mention.start.isoformat() == "2026-11-23T00:00:00+00:00"


def test_last_summer_while_in_summer_means_the_previous_year():
    mention = one("last summer", now=datetime(2026, 7, 20, tzinfo=timezone.utc))
    assert mention.start.date().isoformat() == "2025-06-01" and mention.end.date().isoformat() == "2025-08-31"


def test_tomorrow_at_9_keeps_the_users_time_zone():
    lisbon_summer = datetime(2026, 7, 1, 23, 30, tzinfo=ZoneInfo("Europe/Lisbon"))
    mention = one("remind me to call Bob tomorrow at 9", now=lisbon_summer, prefer="future")
    assert mention.point == datetime(2026, 7, 2, 9, 0, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert mention.point.utcoffset() == timedelta(hours=1)
    assert mention.text == "tomorrow at 9"


def test_dates_follow_the_injected_now_not_the_clock():
    tokyo = datetime(2030, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    mention = one("yesterday", now=tokyo)
    assert mention.start.isoformat() == "2029-12-31T00:00:00+09:00"


def test_explicit_date_and_pm_time():
    mention = one("meeting on 3 December at 3pm", prefer="future")
    assert mention.point.isoformat() == "2026-12-03T15:00:00+00:00"


def test_may_the_verb_is_not_a_month():
    assert DateSlotter(NOW).find("may I see the invoice") == []


def test_question_slots_with_spans():
    context = PlanContext(now=NOW, known_places=["Lisbon, Lisbon, Portugal"])
    question = "show me the latest photos with my husband from Lisbon"
    slots = {s.name: s for s in understand_question(question, context)}
    assert slots["kind"].value == "photo" and slots["order"].value == "newest"
    assert slots["person"].value == "my husband" and slots["place"].value == "Lisbon"
    for slot in slots.values():
        assert question[slot.span[0]:slot.span[1]] == slot.text


def test_next_is_an_order_but_next_week_is_a_date():
    context = PlanContext(now=NOW)
    names = [s.name for s in understand_question("when is my next dentist appointment?", context)]
    assert "order" in names and "since" not in names
    names = [s.name for s in understand_question("meetings next week", context)]
    assert "since" in names and "order" not in names


def test_quoted_text_and_styles():
    context = PlanContext(now=NOW)
    slots = understand_question('find the mail that says "boat trip"', context)
    assert any(s.name == "quoted" and s.value == "boat trip" for s in slots)
    assert question_style("when is my next dentist appointment?", "event") == "when"
    assert question_style("how many emails did Bob send", "mail") == "how_many"
    assert question_style("did Alice book the boat?", None) == "yes_no"
    assert residual_query("what did Alice say about the trip?", [(9, 14)]) == "trip"
