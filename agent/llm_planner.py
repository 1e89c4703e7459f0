"""The LLM planner: the on-device model turns the user's words into one typed plan step, with its
output constrained at decode time to `agent.plan_grammar.plan_schema` (so it cannot name an
unknown intent or produce an ill-typed call).

It sees only the question and the `PlanContext` (clock, owner, known people and places, the
registry's tools), never retrieved text. A constrained output that does not parse or complete
falls back to the deterministic planner, and the plan says so.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from agent.action_gate import entity_arguments, mentions, names_the_intent, uses_action_verb
from agent.plan import Answer, CallIntent, Plan, PlanContext, Retrieve, Route
from agent.plan_grammar import OUT_OF_SCOPE, SEARCH, plan_schema
from agent.deterministic_planner import question_style, residual_query

PLANNER_ADAPTER = "planner"
MAX_QUESTION_CHARS = 2000
# The clock and the owner come last: everything before them is the same on every request, so the
# runtime reuses its prefilled state (runtime.prefix_cache) instead of computing it again.
INSTRUCTIONS = (
    "You are kith's planner. Turn the user's request into exactly one JSON action.\n"
    "Actions:\n{actions}\n"
    "Use search for questions about the user's own mail, messages, photos, contacts and calendar. "
    "Use another action only when the user asks for it. Anything else is out_of_scope.\n"
    "Today is {today}. The user is {owner}."
)


def known_people(app: Any, limit: int = 5000) -> list[str]:
    if app is None:
        return []
    return app.store.person_names(limit)


class LlmPlanner:
    """A `Planner` backed by a `TextGenerator` (and its planner adapter, when one is installed)."""

    name = "llm"

    def __init__(self, generator: Any, fallback: Any, *, adapter: str | None = None, max_tokens: int = 160) -> None:
        self.generator = generator
        self.fallback = fallback
        self.adapter = adapter
        self.max_tokens = max_tokens

    def tools(self, context: PlanContext) -> list[Any]:
        specs = list(context.registry.list()) if context.registry is not None else []
        return [s for s in specs if s.from_index is None]  # searches are reached through `search`

    def messages(self, question: str, context: PlanContext) -> list[dict[str, str]]:
        actions = [f"- {SEARCH}: find something in the user's data (query, kind, since, until, person, place)"]
        actions += [f"- {s.name}: {s.title}" for s in self.tools(context)]
        actions.append(f"- {OUT_OF_SCOPE}: anything kith cannot do")
        owner = (context.owner or {}).get("name") or "unknown"
        today = context.now.strftime("%A %Y-%m-%d %H:%M")
        system = INSTRUCTIONS.format(today=today, owner=owner, actions="\n".join(actions))
        return [{"role": "system", "content": system}, {"role": "user", "content": question[:MAX_QUESTION_CHARS]}]

    def schema(self, context: PlanContext) -> dict[str, Any]:
        people = known_people(context.app)
        from indexer.kinds import known

        return plan_schema(self.tools(context), list(known()), people, list(context.known_places))

    def plan(self, question: str, context: PlanContext) -> Plan:
        from runtime.generator import Constraint

        question = " ".join(question.split())
        started = time.perf_counter()
        try:
            result = self.generator.generate(self.messages(question, context), adapter=self.adapter,
                                             max_tokens=self.max_tokens, temperature=0.0,
                                             constraint=Constraint.json_schema(self.schema(context)))
        except Exception as exc:  # noqa: BLE001 - any model failure falls back, and the plan says why
            return self._fallback(question, context, f"the LLM planner failed ({exc}); used the deterministic planner")
        timing = result.stage_note("llm planner", time.perf_counter() - started)
        try:
            action = json.loads(result.text)
        except json.JSONDecodeError:
            action = None
        if not isinstance(action, dict) or result.finish_reason == "length":
            return self._fallback(question, context, f"the constrained plan did not complete within {self.max_tokens} "
                                  f"tokens ({result.text[:80]!r}); used the deterministic planner", timing)
        try:
            plan = self._to_plan(question, context, action, result.mean_logprob)
        except ValueError as exc:  # a value the grammar admits but the calendar does not (31 February)
            return self._fallback(question, context, f"the constrained plan had an invalid value ({exc}); used the "
                                  "deterministic planner", timing)
        plan.notes += [timing, f"constrained output: {result.text}"]
        return plan

    def _fallback(self, question: str, context: PlanContext, why: str, timing: str | None = None) -> Plan:
        plan = self.fallback.plan(question, context)
        plan.planner = f"{self.fallback.name} (fallback from llm)"
        plan.notes = [why] + ([timing] if timing else []) + plan.notes
        return plan

    def _to_plan(self, question: str, context: PlanContext, action: dict[str, Any], logprob: float | None) -> Plan:
        name = action.get("action")
        route = Route(str(name), 1.0 if logprob is None else round(min(1.0, pow(2.718281828, logprob)), 4))
        if name == OUT_OF_SCOPE:
            return Plan(question, [Answer("out_of_scope")], [], route, self.name,
                        ["the request is outside what kith can do"])
        if name == SEARCH:
            filters: dict[str, Any] = {}
            if action.get("kind"):
                filters["kind"] = action["kind"]
            for key in ("since", "until"):
                if action.get(key):
                    day = _local(datetime.fromisoformat(action[key]), context.now)
                    filters[key] = day + timedelta(days=1) - timedelta(microseconds=1) if key == "until" else day
            notes = []
            for key in ("person", "place"):
                if action.get(key) and mentions(question, action[key]):
                    filters[key] = action[key]
                elif action.get(key):
                    notes.append(f"dropped the {key} filter {action[key]!r}: the request does not name it")
            style = question_style(question, filters.get("kind"))
            limit = 50 if style == "how_many" else 8
            query = str(action.get("query") or "").strip()
            if not query:  # the 135M model sometimes leaves it empty ("who sent the travel plans?"): use the words
                query = _request_words(question, [filters[k] for k in ("person", "place") if k in filters])
                if query:
                    notes.append(f"the model's search query was empty; searched for the request's words {query!r}")
            order = "newest" if style == "photos" and not query else "relevance"
            return Plan(question, [Retrieve(query, filters, limit, order), Answer(style)], [],
                        route, self.name, notes)
        spec = context.registry.get(name)
        effect = getattr(spec.effect, "value", str(spec.effect))
        if effect != "read" and not uses_action_verb(question, spec):
            # the same gate as the deterministic planner: a side effect needs the intent's verb in the user's words
            return self._fallback(question, context, f"the model chose {spec.name} but the request does not use its "
                                  "verb; used the deterministic planner")
        if effect == "read" and not names_the_intent(question, spec):
            return self._fallback(question, context, f"the model chose {spec.name} but the request does not name what "
                                  "it is about; used the deterministic planner")
        arguments = {k: _argument(v, context.now) for k, v in (action.get("arguments") or {}).items() if v is not None}
        unnamed = [f"{key}={value!r}" for key, value in entity_arguments(spec, arguments) if not mentions(question, value)]
        if unnamed:
            return self._fallback(question, context, f"the model chose {spec.name} with {', '.join(unnamed)}, which the "
                                  "request does not name; used the deterministic planner")
        steps = [CallIntent(spec.name, arguments, effect), Answer("confirm_action" if effect != "read" else "intent")]
        return Plan(question, steps, [], route, self.name, [])


def _local(value: datetime, now: datetime) -> datetime:
    return value.replace(tzinfo=now.tzinfo) if value.tzinfo is None else value


def _argument(value: Any, now: datetime) -> Any:
    """Date-times decoded as local wall-clock time get the user's offset."""
    if isinstance(value, str) and len(value) == 16 and value[10:11] == "T":
        try:
            return _local(datetime.fromisoformat(value), now).isoformat()
        except ValueError:
            return value
    return value


def _request_words(question: str, entities: list[str]) -> str:
    """The request without the filtered entities and filler words (the deterministic planner's residual query)."""
    lowered = question.lower()
    spans = []
    for entity in entities:
        start = lowered.find(str(entity).lower())
        if start >= 0:
            spans.append((start, start + len(str(entity))))
    return residual_query(question, spans)
