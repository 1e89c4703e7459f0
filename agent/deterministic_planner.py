"""DeterministicPlanner: routes the question, fills slots and emits a Plan without any language model.

Only the user's own words are read here (never retrieved text), so an intent can only be chosen
because the user asked for it. READ routes that are searches become Retrieve steps; other intents
become CallIntent steps whose arguments are filled from the intent's own phrase templates.
"""
from __future__ import annotations

import copy
import re
import weakref
from datetime import datetime
from typing import Any

from agent.action_gate import date_preference, effect_name, uses_action_verb
from agent.calibration import Calibration, fit_calibrated
from agent.people_slots import fill_people_from_question, is_person, who_is_plan
from agent.plan import Answer, CallIntent, Plan, PlanContext, Retrieve, Route, Slot
from agent.router import ASK_PHRASES, OUT_OF_SCOPE, IntentRouter
from agent.slots import (DateSlotter, capitalised_phrases, date_slots, find_kinds, find_order, find_places,
                         find_quotes, find_relations, overlaps, slot_value)

ASK = "ask"
# READ intents that are really searches declare it (``@intent(from_index="mail")``): they are answered
# by retrieval + the answerer with their filters (``IntentSpec.from_index``), not called.
ACTION_THRESHOLD = 0.55    # a side-effecting intent needs at least this much confidence
QUESTION_START = re.compile(r"^\s*(what|when|where|who|whom|which|how|why|is|are|was|were|did|do|does|has|have|"
                            r"had|can|could|will|would|should|any)\b", re.I)
DATE_PARAM_NAMES = {"due", "when", "start", "at", "datetime", "date", "time", "end", "starts", "deadline"}
PERSON_PARAM_NAMES = {"recipient", "to", "person", "contact", "who", "name", "attendee"}
FILLER = re.compile(r"\b(show|find|get|give|list|search|look\s+up|look|tell|me|my|our|the|a|an|all|any|some|please|"
                    r"summari[sz]e|sum\s+up|recap|"
                    r"what|when|where|who|which|how|did|does|do|is|are|was|were|say|said|says|about|from|with|of|"
                    r"in|on|at|to|for|i|we|us|and|can|you|could|taken|sent|have|has|had|many|much|there|it|that)\b", re.I)
TODO_WORDS = re.compile(r"\b(reminders?|to-?dos?|to do list|tasks?)\b", re.I)
STYLE_BY_WORD = [("how many", "how_many"), ("how much", "how_many"), ("when", "when"), ("what time", "when"),
                 ("what day", "when"), ("what date", "when"), ("where", "where"), ("who", "who"), ("whom", "who")]


def question_style(question: str, kind: str | None) -> str:
    lowered = question.lower().strip()
    for words, style in STYLE_BY_WORD:
        if re.search(rf"\b{words}\b", lowered):
            return style
    if kind == "photo":
        return "photos"
    if re.match(r"^(is|are|was|were|did|do|does|has|have|had|can|could|will|would|should)\b", lowered):
        return "yes_no"
    if re.match(r"^(show|list|find|search|give|get)\b", lowered):
        return "list"
    return "what"


# calibrated routers by embedder and intent phrases, shared by every planner in the process (the daemon
# builds a planner per request)
_FITTED: "weakref.WeakKeyDictionary[Any, dict[tuple, tuple[IntentRouter, Calibration]]]" = weakref.WeakKeyDictionary()


class DeterministicPlanner:
    name = "deterministic"

    def __init__(self, embedder: Any, route_threshold: float | None = None,
                 action_threshold: float = ACTION_THRESHOLD) -> None:
        """``route_threshold``: the out-of-scope threshold; None (default) calibrates it from the
        registered phrases and the generic out-of-scope pool (``agent.calibration``)."""
        self.embedder = embedder
        self.route_threshold = route_threshold
        self.action_threshold = action_threshold
        self.calibration: Calibration | None = None
        self._router: IntentRouter | None = None
        self._router_key: tuple | None = None

    # --------------------------------------------------------------- routing
    def router(self, registry: Any) -> IntentRouter:
        specs = list(registry.list()) if registry is not None else []
        key = tuple((s.name, tuple(s.phrases)) for s in specs)
        if self._router is None or key != self._router_key:
            fitted = _FITTED.setdefault(self.embedder, {})
            if key not in fitted:  # calibrating costs ~0.16 s: once per process, embedder and set of intents
                routes = {ASK: list(ASK_PHRASES)}
                for spec in specs:
                    if spec.phrases:  # "text {recipient} that {body}" -> with the intent's own example values
                        routes[spec.name] = [spec.example_phrase(p) for p in spec.phrases]
                fitted[key] = fit_calibrated(self.embedder, routes)
            router, self.calibration = fitted[key]
            self._router = copy.copy(router)  # the threshold below is this planner's own
            if self.route_threshold is not None:
                self._router.threshold = self.route_threshold
            self._router_key = key
        return self._router

    # ------------------------------------------------------------------ plan
    def plan(self, question: str, context: PlanContext) -> Plan:
        question = " ".join(question.split())
        registry = context.registry
        notes: list[str] = []
        route = self.router(registry).route(question)
        specs = {s.name: s for s in registry.list()} if registry is not None else {}
        who = who_is_plan(question, context, route, self.name)
        if who is not None:
            return who
        templated = template_route(question, specs)
        if templated is not None and not QUESTION_START.match(question) and (
                templated != route.name or route.confidence < self.action_threshold):
            alternatives = route.alternatives if templated == route.name else \
                [(route.name, route.confidence)] + [a for a in route.alternatives if a[0] != templated][:2]
            route = Route(templated, max(route.confidence, self.action_threshold), alternatives, route.threshold)
            notes.append(f"the request matches a phrase template of {templated}")
        spec = specs.get(route.name)
        if spec is not None and spec.from_index is None:
            acting = effect_name(spec) != "read"
            if acting and (route.confidence < self.action_threshold or QUESTION_START.match(question)):
                notes.append(f"{spec.name} scored {route.confidence:.2f} but the request reads as a question "
                             "or is not confident enough to act on; answering from the index instead")
            elif acting and not uses_action_verb(question, spec):
                notes.append(f"{spec.name} scored {route.confidence:.2f} but the request does not use its verb; "
                             "a side-effecting intent is only chosen when asked for by name, answering from the "
                             "index instead")
            else:
                plan = self._intent_plan(question, context, spec, route, notes)
                required = (spec.input_schema or {}).get("required", [])
                call = plan.steps[0]
                if not acting or not required or any(name in call.arguments for name in required):
                    return plan
                notes.append(f"{spec.name} matched but none of its required arguments could be filled from "
                             "the request; answering from the index instead")
        return self._ask_plan(question, context, route, specs, notes)

    def _intent_plan(self, question: str, context: PlanContext, spec: Any, route: Route, notes: list[str]) -> Plan:
        slots, arguments = fill_intent_arguments(question, spec, context.now)
        properties = (spec.input_schema or {}).get("properties", {})
        person_params = [n for n, schema in properties.items()
                         if _param_kind(n, schema if isinstance(schema, dict) else {}) == "person"]
        fill_people_from_question(question, person_params, context, slots, arguments)
        effect = effect_name(spec)
        steps = [CallIntent(spec.name, arguments, effect), Answer("confirm_action" if effect != "read" else "intent")]
        missing = [p for p in (spec.input_schema or {}).get("required", []) if p not in arguments]
        if missing:
            notes.append("could not fill required argument(s) " + ", ".join(missing) + " from the request")
        return Plan(question, steps, slots, route, self.name, notes)

    def _ask_plan(self, question: str, context: PlanContext, route: Route, specs: dict[str, Any],
                  notes: list[str]) -> Plan:
        slots = understand_question(question, context)
        hint = (specs[route.name].from_index or {}) if route.name in specs else {}
        if question_style(question, None) == "where" and hint.get("kind"):
            # "where did we have dinner in Lisbon?": the answer may be in any kind of document; only
            # a kind the question names ("which photos...") narrows a where-question
            notes.append(f"a where-question: not limited to {hint['kind']} documents as {route.name} would")
            hint = {k: v for k, v in hint.items() if k != "kind"}
        kind = slot_value(slots, "kind") or hint.get("kind")
        order = slot_value(slots, "order") or hint.get("order")
        filters: dict[str, Any] = {}
        if kind:
            filters["kind"] = kind
        since, until = slot_value(slots, "since"), slot_value(slots, "until")
        if order == "next":
            filters["since"] = max(since, context.now) if since else context.now
            order = "oldest"
        elif since:
            filters["since"] = since
        if until:
            filters["until"] = until
        person = slot_value(slots, "person")
        if person:
            filters["person"] = person
        place = slot_value(slots, "place")
        used = [s.span for s in slots if s.name in ("since", "until", "kind", "order", "person")]
        if place and kind in ("photo", "event", None) and not (kind is None and person):
            filters["place"] = place
            used.append(next(s.span for s in slots if s.name == "place"))
        todo = TODO_WORDS.search(question)
        if todo and slot_value(slots, "kind") in (None, "event"):
            # reminders and to-dos (VTODOs, kith's own reminders.ics included), soonest due first
            kind, ordering_hint = "event", "oldest"
            filters.update(kind="event", todo=True)
            if not since and hint.get("order") == "next":
                filters.pop("since", None)
            order = ordering_hint
            used.append(todo.span())
        query = residual_query(question, used)
        quoted = [s.value for s in slots if s.name == "quoted"]
        if quoted:
            query = " ".join(quoted)
        if route.name == OUT_OF_SCOPE:
            notes.append("no intent matched confidently; searching the index")
        style = question_style(question, kind)
        ordering = order if order in ("newest", "oldest") else "relevance"
        if style == "photos" and ordering == "relevance" and not query:
            ordering = "newest"
        limit = 50 if style == "how_many" else 8
        return Plan(question, [Retrieve(query, filters, limit, ordering), Answer(style)], slots, route, self.name, notes)


def understand_question(question: str, context: PlanContext) -> list[Slot]:
    """All slots of a question: dates, kinds, order, quotes, places and people (each with its span)."""
    mentions = DateSlotter(context.now, prefer="past").find(question)
    slots = date_slots(mentions)
    taken = [m.span for m in mentions]
    for slot in find_quotes(question) + find_kinds(question) + find_order(question):
        if not overlaps(slot.span, taken):
            slots.append(slot)
            taken.append(slot.span)
    for slot in find_places(question, context.known_places):
        if not overlaps(slot.span, taken):
            slots.append(slot)
            taken.append(slot.span)
    for slot in find_relations(question):
        if not overlaps(slot.span, taken):
            slots.append(slot)
            taken.append(slot.span)
    for phrase, span in capitalised_phrases(question):
        if overlaps(span, taken):
            continue
        if is_person(phrase, context):
            slots.append(Slot("person", phrase, question[span[0]:span[1]], span))
            taken.append(span)
    return sorted(slots, key=lambda s: s.span)


def residual_query(question: str, used_spans: list[tuple[int, int]]) -> str:
    """The question without slot spans and filler words: what retrieval should match."""
    chars = list(question)
    for start, end in used_spans:
        for i in range(start, end):
            chars[i] = " "
    text = "".join(chars)
    text = re.sub(r"[?!.,;:]", " ", text)
    text = re.sub(r"'s\b", " ", text)
    text = FILLER.sub(" ", text)
    return " ".join(text.split())


# ----------------------------------------------------------- intent arguments
def _template_regex(phrase: str) -> tuple[re.Pattern[str], int] | None:
    parts = re.split(r"(\{\w+\})", phrase.strip().rstrip("?.!"))
    pattern, literal = "", 0
    seen = set()
    for part in parts:
        m = re.fullmatch(r"\{(\w+)\}", part)
        if m:
            name = m.group(1)
            if name in seen:
                return None
            seen.add(name)
            pattern += rf"(?P<{name}>.+?)"
        else:
            words = part.split()
            literal += len("".join(words))
            if words:
                lead = r"\s*" if part[:1].isspace() or not pattern else ""
                pattern += lead + r"\s+".join(re.escape(w) for w in words) + (r"\s*" if part[-1:].isspace() else "")
            elif part:
                pattern += r"\s+"
    return re.compile(rf"^\s*(?:please\s+|can you\s+|could you\s+)?{pattern}\s*[?.!]*\s*$", re.I), literal


def template_route(question: str, specs: dict[str, Any]) -> str | None:
    """The non-search intent whose phrase template matches the whole request (most literal words wins)."""
    best: tuple[int, str] | None = None
    for name, spec in specs.items():
        if spec.from_index is not None:
            continue
        for phrase in spec.phrases:
            if "{" not in phrase:
                continue
            compiled = _template_regex(phrase)
            if compiled and compiled[0].match(question) and compiled[1] >= 4:
                if best is None or compiled[1] > best[0]:
                    best = (compiled[1], name)
    return best[1] if best else None


def _with_dates_cut(phrases: list[str], date_params: list[str]) -> list[str]:
    """The phrases, each followed by its form without the date slots already filled (and the preposition
    before them), since the date was cut out of the request: "add {title} to my calendar on {start}" also
    gives "add {title} to my calendar"."""
    out: list[str] = []
    for phrase in phrases:
        out.append(phrase)
        reduced = phrase
        for name in date_params:
            reduced = re.sub(rf"(?:\s+(?:on|at|for|by|in|from))?\s*\{{{name}\}}", "", reduced)
        if reduced != phrase and reduced.strip():
            out.append(reduced.strip())
    return out


def _param_kind(name: str, schema: dict[str, Any]) -> str:
    fmt = (schema or {}).get("format", "")
    types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", []) if isinstance(s, dict)]
    formats = [fmt] + [s.get("format", "") for s in schema.get("anyOf", []) if isinstance(s, dict)]
    if "date-time" in formats or "date" in formats or name in DATE_PARAM_NAMES:
        return "datetime"
    if name in PERSON_PARAM_NAMES:
        return "person"
    if "integer" in types or "number" in types:
        return "number"
    return "text"


def fill_intent_arguments(question: str, spec: Any, now: datetime) -> tuple[list[Slot], dict[str, Any]]:
    """Fill an intent's arguments from the user's words using its own phrase templates.

    Dates are found first (pointing the way the intent declares, ``agent.action_gate.date_preference``)
    and cut out of the text, so "remind me to call Bob tomorrow at 9" gives title="call Bob",
    due=tomorrow 09:00, and "add lunch to my calendar on Friday" the coming Friday.
    """
    properties = (spec.input_schema or {}).get("properties", {})
    kinds = {name: _param_kind(name, schema if isinstance(schema, dict) else {}) for name, schema in properties.items()}
    prefer = date_preference(spec)
    mentions = DateSlotter(now, prefer=prefer).find(question)
    slots: list[Slot] = []
    arguments: dict[str, Any] = {}
    date_params = [n for n, k in kinds.items() if k == "datetime"]
    cut = question
    for mention in sorted(mentions, key=lambda m: -m.span[0]):
        if date_params:
            cut = cut[:mention.span[0]] + cut[mention.span[1]:]
    if date_params and mentions:
        mention = mentions[0]
        value = mention.point or (mention.start.replace(hour=9) if mention.start else None)
        day = next((m for m in mentions if m.start and not m.has_time), None)
        clock = next((m for m in mentions if m.has_time and m.point), None)
        if day is not None and clock is not None and day is not clock and clock.text.lower().startswith("at"):
            value = datetime.combine(day.start.date(), clock.point.timetz())  # "at 3pm on Thursday"
        if value is not None:
            arguments[date_params[0]] = value.isoformat()
            slots.append(Slot(date_params[0], value, mention.text, mention.span))
    cut = " ".join(cut.split())
    best: tuple[int, dict[str, str]] | None = None
    filled_dates = [n for n in date_params if n in arguments]
    for phrase in _with_dates_cut(spec.phrases, filled_dates):
        compiled = _template_regex(phrase)
        if compiled is None:
            continue
        regex, literal = compiled
        match = regex.match(cut)
        if match:
            captured = {k: v.strip(" ,") for k, v in match.groupdict().items() if v and v.strip(" ,")}
            score = literal * 10 + len(captured)
            if best is None or score > best[0]:
                best = (score, captured)
    captured = best[1] if best else {}
    for name, value in captured.items():
        if name not in properties or name in arguments:
            continue
        if kinds.get(name) == "datetime":
            sub = DateSlotter(now, prefer=prefer).find(value)
            if sub and (sub[0].point or sub[0].start):
                value = (sub[0].point or sub[0].start.replace(hour=9)).isoformat()
            else:
                continue
        elif kinds.get(name) == "number":
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                continue
        start = question.lower().find(str(value).lower())
        span = (start, start + len(str(value))) if start >= 0 else (0, 0)
        arguments[name] = value
        slots.append(Slot(name, value, question[span[0]:span[1]] if start >= 0 else str(value), span))
    if not best:  # no template matched: fall back to generic cues
        _fallback_arguments(question, kinds, arguments, slots)
    return sorted(slots, key=lambda s: s.span), arguments


def _fallback_arguments(question: str, kinds: dict[str, str], arguments: dict[str, Any], slots: list[Slot]) -> None:
    person = next((n for n, k in kinds.items() if k == "person" and n not in arguments), None)
    if person:
        m = re.search(r"\b(?:to|text|message|email|tell|call|with)\s+((?:my\s+\w+)|(?:[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*))", question)
        if m:
            arguments[person] = m.group(1)
            slots.append(Slot(person, m.group(1), m.group(1), m.span(1)))
    text_params = [n for n, k in kinds.items() if k == "text" and n not in arguments]
    if text_params:
        m = re.search(r"\b(?:that|saying|say|:)\s+(.+?)[.!?]*$", question) or re.search(r"\bto\s+(.+?)[.!?]*$", question)
        if m:
            arguments[text_params[0]] = m.group(1)
            slots.append(Slot(text_params[0], m.group(1), m.group(1), m.span(1)))
