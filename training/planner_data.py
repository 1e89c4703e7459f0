"""Training data for the planner adapter, synthesized on this machine from the user's own setup.

Every installed intent's phrases are filled with the user's own people, places and dates (and the
intent's declared example values), and paired with the exact constrained JSON the LLM planner must
produce (`agent.plan_grammar`): `{"action": NAME, "arguments": {...}}` for an intent that is called,
a `search` step for intents answered from the index and for plain questions about the user's data,
and `out_of_scope` for the generic pool in `agent.oos_pool`. Every target validates against the
plan grammar (tests check it), so the adapter learns the very strings the decoder will allow.

Nothing here reads a document's text, and nothing leaves the machine.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent.plan_grammar import OUT_OF_SCOPE, SEARCH

SLOT = re.compile(r"\{(\w+)\}")
FREE_TEXT = {
    "body": ["I'm running late", "the meeting moved to 3pm", "can we talk tonight", "thanks for dinner",
             "I'll bring the wine", "see you at the station"],
    "title": ["call Bob", "buy milk", "pay the electricity bill", "book the dentist", "water the plants",
              "lunch with the team", "renew my passport"],
    "subject": ["the quarterly report", "the weekend trip", "our dinner plans", "the invoice", "the school run"],
    "query": ["the trip", "the invoice", "dinner", "the boat trip", "the budget", "the concert", "the birthday party"],
    "thread": ["the trip", "the budget", "the dinner plans", "the invoice"],
}
WHEN = [("tomorrow at 9", 1, 9, 0), ("on Friday at 1pm", None, 13, 0), ("tomorrow at 6pm", 1, 18, 0),
        ("in two days at 10am", 2, 10, 0), ("on Monday at 8:30", None, 8, 30)]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEARCH_QUESTIONS = [
    ("when did {person} say the dinner is?", None, {"person"}), ("what did {person} send me about {query}?", None,
                                                                  {"person"}),
    ("find my mail about {query}", "mail", set()), ("show me photos from {place}", "photo", {"place"}),
    ("what did {person} text me last week?", "message", {"person"}), ("where did we have dinner in {place}?", None,
                                                                       {"place"}),
    ("when is my next appointment?", "event", set()), ("who emailed me about {query}?", "mail", set()),
    ("photos of {person}", "photo", {"person"}), ("what's the address of the {query} place?", None, set()),
]


@dataclass(frozen=True)
class Example:
    """One training pair: the user's words and the planner's exact constrained output."""

    question: str
    target: str
    kind: str  # "intent" | "search" | "out_of_scope"


def _day(now: datetime, offset: int | None, weekday_word: str) -> datetime:
    if offset is not None:
        return now + timedelta(days=offset)
    wanted = next(i for i, w in enumerate(WEEKDAYS) if w in weekday_word.lower())
    return now + timedelta(days=(wanted - now.weekday() - 1) % 7 + 1)  # the next such day, never today


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class PlannerData:
    """Synthesizes planner examples for one registry, clock and set of the user's people and places."""

    def __init__(self, registry: Any, now: datetime, people: list[str], places: list[str], seed: int = 0) -> None:
        self.registry, self.now = registry, now
        self.people = people or ["Alice"]
        self.places = places or ["Lisbon"]
        self.random = random.Random(seed)

    def examples(self, per_phrase: int = 4, searches: int = 40, out_of_scope: int = 40) -> list[Example]:
        out: list[Example] = []
        for spec in self.registry.list() if self.registry is not None else []:
            for phrase in spec.phrases:
                for _ in range(per_phrase):
                    made = self._from_phrase(spec, phrase)
                    if made:
                        out.append(made)
        out += [self._search_question() for _ in range(searches)]
        from agent.oos_pool import OOS_POOL

        pool = list(OOS_POOL)
        self.random.shuffle(pool)
        out += [Example(q, _compact({"action": OUT_OF_SCOPE}), "out_of_scope") for q in pool[:out_of_scope]]
        unique = {(e.question, e.target): e for e in out}
        examples = list(unique.values())
        self.random.shuffle(examples)
        return examples

    # ------------------------------------------------------------------ intents
    def _from_phrase(self, spec: Any, phrase: str) -> Example | None:
        values: dict[str, Any] = {}
        text = phrase
        for slot in SLOT.findall(phrase):
            shown, value = self._fill(spec, slot)
            if shown is None:
                return None
            text = text.replace("{" + slot + "}", shown, 1)
            values[slot] = value
        question = " ".join(text.split())
        if spec.from_index is not None:
            kind = spec.from_index.get("kind") if isinstance(spec.from_index, dict) else spec.from_index
            return Example(question, self._search_target(values.get("query") or "", kind, values), "search")
        properties = (spec.input_schema or {}).get("properties", {})
        required = [p for p in (spec.input_schema or {}).get("required", []) if p in properties]
        if any(r not in values for r in required):
            return None  # the phrase does not say every required argument: the planner cannot fill it
        ordered = required + [p for p in properties if p not in required]
        arguments = {name: values[name] for name in ordered if name in values}
        return Example(question, _compact({"action": spec.name, "arguments": arguments}), "intent")

    def _fill(self, spec: Any, slot: str) -> tuple[str | None, Any]:
        prop = (spec.input_schema or {}).get("properties", {}).get(slot, {})
        entity = prop.get("x-kith-entity")
        if entity == "Person" or slot in ("person", "recipient", "to"):
            name = self.random.choice(self.people)
            return name, name
        if entity == "Place" or slot == "place":
            place = self.random.choice(self.places)
            return place, place
        if prop.get("format") in ("date-time", "date") or slot in ("due", "start", "when"):
            words, offset, hour, minute = self.random.choice(WHEN)
            day = _day(self.now, offset, words).replace(hour=hour, minute=minute, second=0, microsecond=0)
            stamp = day.strftime("%Y-%m-%dT%H:%M") if prop.get("format") != "date" else day.strftime("%Y-%m-%d")
            return words, stamp
        pool = FREE_TEXT.get(slot) or ([spec.examples[slot]] if slot in spec.examples else None)
        if pool is None:
            return None, None
        text = self.random.choice(pool)
        return text, text

    # ------------------------------------------------------------------ searches
    def _search_target(self, query: str, kind: str | None, values: dict[str, Any]) -> str:
        return _compact({"action": SEARCH, "query": query, "kind": kind, "since": None, "until": None,
                         "person": values.get("person"), "place": values.get("place")})

    def _search_question(self) -> Example:
        template, kind, entities = self.random.choice(SEARCH_QUESTIONS)
        values = {"person": self.random.choice(self.people), "place": self.random.choice(self.places),
                  "query": self.random.choice(FREE_TEXT["query"])}
        question = template.format(**values)
        query = question.rstrip("?")
        for name in ("person", "place"):
            if name in entities:
                query = query.replace(values[name], "")
        query = " ".join(w for w in query.split() if w.lower() not in STOP)[:80]
        kept = {k: v for k, v in values.items() if k in entities}
        return Example(question, self._search_target(query, kind, kept), "search")


STOP = {"when", "did", "say", "the", "is", "what", "me", "my", "about", "find", "show", "from", "where", "we",
        "have", "in", "of", "who", "text", "send", "emailed", "last", "week", "s", "next", "a", "to"}
