"""Slot filling from the user's own words: dates and ranges, people, places, kinds, quotes, ordering.

Every slot keeps its character span. Dates are resolved relative to an injected ``now`` (its time
zone is the user's), with rules for the common spoken forms ("last week", "since Monday",
"last summer", "tomorrow at 9") and ``dateparser`` for explicit dates ("3 December", "2026-12-03").

Dates live in ``agent.dates`` (re-exported here); this module finds the other slots.
"""
from __future__ import annotations

import re
from typing import Any

from agent.dates import (  # noqa: F401  (re-exported)
    MONTH_ABBR,
    MONTHS,
    SEASONS,
    WEEKDAYS,
    DateMention,
    DateSlotter,
    date_slots,
)
from agent.plan import Slot

RELATIONS = r"wife|husband|partner|spouse|mum|mom|mother|mummy|dad|father|daddy|sister|brother|son|daughter|boss|manager|colleague|friend|dentist|doctor|grandma|grandmother|grandpa|grandfather"
BARE_RELATIONS = r"mum|mom|mummy|dad|daddy|grandma|grandpa"
STOP_CAPS = {"I", "I'm", "I'll", "I've", "OK", "Ok"}


# ------------------------------------------------------------------ other slots
def find_kinds(text: str) -> list[Slot]:
    slots = []
    from indexer.kinds import kind_words

    for kind, pattern in kind_words().items():  # built-in kinds and any a plugin registered
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.I):
            slots.append(Slot("kind", kind, m.group(0), m.span()))
    return slots


def find_quotes(text: str) -> list[Slot]:
    return [Slot("quoted", m.group(2), m.group(0), m.span())
            for m in re.finditer(r"([\"“”])(.+?)([\"“”])|(?<![\w])'([^']+)'(?![\w])", text) if m.group(2)] + \
        [Slot("quoted", m.group(4), m.group(0), m.span())
         for m in re.finditer(r"(?<![\w])'([^']+)'(?![\w])()()()", text) if False]


def find_order(text: str) -> list[Slot]:
    slots = []
    for m in re.finditer(r"\b(latest|newest|most recent|recent|last|first|earliest|oldest|next|upcoming)\b", text, re.I):
        word = m.group(1).lower()
        following = text[m.end():m.end() + 12].lower()
        if word == "last" and re.match(r"\s+(week|month|year|summer|winter|spring|autumn|fall|weekend|\d|one|two|three|few|monday|tuesday|wednesday|thursday|friday|saturday|sunday|night)", following):
            continue
        if word == "next" and re.match(r"\s+(week|month|year|summer|winter|spring|autumn|fall|weekend|\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday)", following):
            continue
        value = {"latest": "newest", "newest": "newest", "most recent": "newest", "recent": "newest", "last": "newest",
                 "first": "oldest", "earliest": "oldest", "oldest": "oldest", "next": "next", "upcoming": "next"}[word]
        slots.append(Slot("order", value, m.group(0), m.span()))
    return slots


def find_relations(text: str) -> list[Slot]:
    slots = [Slot("person", m.group(0).lower(), m.group(0), m.span())
             for m in re.finditer(rf"\b(?:my|our)\s+(?:{RELATIONS})\b", text, re.I)]
    taken = [s.span for s in slots]
    for m in re.finditer(rf"\b(?:{BARE_RELATIONS})\b", text, re.I):
        if not any(s <= m.start() < e for s, e in taken):
            slots.append(Slot("person", m.group(0).lower(), m.group(0), m.span()))
    return slots


def capitalised_phrases(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Runs of capitalised words (not the question's first word unless it is not a common word)."""
    found = []
    for m in re.finditer(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", text):
        words = m.group(0).split()
        start = m.start()
        while words and (words[0] in STOP_CAPS or words[0].lower() in _COMMON_FIRST or words[0].lower() in MONTHS
                         or words[0].lower() in WEEKDAYS):
            start += len(words[0]) + 1
            words = words[1:]
        if words:
            phrase = " ".join(words)
            if phrase.lower() in _COMMON_FIRST:
                continue
            found.append((phrase, (start, start + len(phrase))))
    return found


_COMMON_FIRST = set("""what when where who whom which how why is are was were did do does can could will would should
show find give get list search look tell remind text message send email mail call create make add schedule book
forget delete draft summarise summarize please hey hi the a an my any all i photos pictures emails messages texts
""".split())


def find_places(text: str, known_places: list[str]) -> list[Slot]:
    """Known places from the index (any comma part of a stored place label) mentioned in the question."""
    names: dict[str, str] = {}
    for label in known_places:
        for part in str(label).split(","):
            part = part.strip()
            if len(part) >= 3:
                names.setdefault(part.lower(), part)
    slots = []
    for lowered, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(rf"\b{re.escape(lowered)}\b", text.lower()):
            if not any(s.span[0] <= m.start() < s.span[1] for s in slots):
                slots.append(Slot("place", name, text[m.start():m.end()], m.span()))
    return slots


def overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def slot_value(slots: list[Slot], name: str, default: Any = None) -> Any:
    for slot in slots:
        if slot.name == name:
            return slot.value
    return default
