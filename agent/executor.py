"""Executes a Plan: retrieval with its filters, intent calls through the registry, then the composer.

``Agent`` is the one entry point the CLI, tests and the injection harness use. It works with any
``Planner``; the planner only ever sees the question, so retrieved text cannot choose an intent.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from agent.composer import ComposedAnswer
from agent.plan import Answer, CallIntent, Plan, PlanContext, Planner, Retrieve
from agent.plugins import DEFAULT_ANSWERER, DEFAULT_PLANNER, make
from agent.protocols import Answerer, AnswerRequest
from agent.render import RenderContext, render_result, result_type
from indexer.people import card_relations_to_owner, display_name
from indexer.search import SearchFilters


@dataclass
class AgentResult:
    question: str
    answer: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    intent_calls: list[dict[str, Any]] = field(default_factory=list)
    plan: Plan | None = None
    engine: dict[str, str] = field(default_factory=dict)
    found: bool = True
    lines: list[dict[str, Any]] = field(default_factory=list)
    retrieval: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "found": self.found,
                "citations": self.citations, "intent_calls": self.intent_calls,
                "plan": self.plan.to_json() if self.plan else None, "engine": self.engine,
                "answer_lines": self.lines, "retrieval": self.retrieval}


def known_places(app: Any) -> list[str]:
    try:
        return app.store.known_places()
    except Exception:
        return []


def load_registry_for(app: Any) -> Any:
    from intents import load_registry

    return load_registry(app.home)


def agent_setting(app: Any, key: str, default: str) -> str:
    section = app.home.config.get("agent")
    value = section.get(key) if isinstance(section, dict) else None
    return str(value) if value else default


OUT_OF_SCOPE_ANSWER = ("That is outside what kith can do on this device: it answers from your mail, messages, photos, "
                       "contacts and calendar, and runs the actions listed by `kith intents list`.")


class Agent:
    _last_notes: list[str] = []

    def __init__(self, app: Any, planner: Planner | None = None, registry: Any = None,
                 now: datetime | None = None, answerer: Answerer | None = None) -> None:
        self.app = app
        self.now = now or datetime.now(timezone.utc).astimezone()
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=timezone.utc)
        self.registry = registry if registry is not None else load_registry_for(app)
        if planner is None:
            planner = make("register_planners", agent_setting(app, "planner", DEFAULT_PLANNER), app.embedder, app=app)
        self.planner = planner
        if answerer is None:
            answerer = make("register_answerers", agent_setting(app, "answerer", DEFAULT_ANSWERER), app.embedder,
                            app=app)
        self.answerer = answerer

    def context(self) -> PlanContext:
        owner = self.app.home.config.get("owner") or {}
        return PlanContext(now=self.now, owner=owner if isinstance(owner, dict) else {}, registry=self.registry,
                           known_places=known_places(self.app), app=self.app)

    def ask(self, question: str, confirm: Callable[..., Any] | None = None) -> AgentResult:
        plan = self.planner.plan(question, self.context())
        return self.execute(plan, confirm)

    # ------------------------------------------------------------- execution
    def execute(self, plan: Plan, confirm: Callable[..., Any] | None = None) -> AgentResult:
        result = AgentResult(plan.question, "", plan=plan,
                             engine={"planner": getattr(self.planner, "name", type(self.planner).__name__),
                                     "answerer": getattr(self.answerer, "name", type(self.answerer).__name__)})
        hits: list[Any] = []
        retrieve: Retrieve | None = None
        relaxed = False
        for step in plan.steps:
            if isinstance(step, Retrieve):
                retrieve = step
                hits, relaxed = self.retrieve(step, plan)
                result.retrieval = [{"id": h.id, "kind": h.kind, "title": h.title, "score": h.score} for h in hits]
            elif isinstance(step, CallIntent):
                result.intent_calls.append(self.call_intent(step, confirm))
            elif isinstance(step, Answer):
                if step.style == "out_of_scope":
                    result.answer, result.found = OUT_OF_SCOPE_ANSWER, False
                elif step.style in ("confirm_action", "intent"):
                    result.answer, result.citations = describe_calls(result.intent_calls, plan, self.render_context(plan))
                    result.found = any(c["status"] == "done" for c in result.intent_calls)
                else:
                    composed = self.compose(plan.question, retrieve, step.style, hits, relaxed)
                    plan.notes.extend(self._last_notes)
                    result.answer, result.citations, result.found = composed.text, composed.citations, composed.found
                    result.lines = [line.to_json() for line in composed.lines]
        return result

    def retrieve(self, step: Retrieve, plan: Plan) -> tuple[list[Any], bool]:
        """Search with the plan's filters; if nothing matches, drop filters one by one (marked as relaxed)."""
        filters = dict(step.filters)
        hits = self._search(step, filters)
        relaxed = False
        for key in ("person", "place", "since", "until"):
            if hits or key not in filters or key == "since" and plan.steps and step.order == "oldest":
                continue
            filters.pop(key)
            hits = self._search(step, filters)
            if hits:
                relaxed = True
                plan.notes.append(f"nothing matched with the {key} filter; showing the closest results without it")
        return hits, relaxed

    def _search(self, step: Retrieve, filters: dict[str, Any]) -> list[Any]:
        from indexer.search_service import resolve_person_keys

        person = filters.get("person")
        keys = resolve_person_keys(self.app, person) if person else None
        search_filters = SearchFilters(kind=filters.get("kind"), since=filters.get("since"), until=filters.get("until"),
                                       person=person, source=filters.get("source"), place=filters.get("place"),
                                       identity_keys=keys)
        if filters.get("todo"):  # to-dos are events marked in their metadata: filter a wider candidate set
            hits = self.app.searcher.search(step.query, search_filters, limit=max(step.limit, 500), order=step.order)
            return [h for h in hits if (h.metadata or {}).get("todo")][:step.limit]
        return self.app.searcher.search(step.query, search_filters, limit=step.limit, order=step.order)

    def compose(self, question: str, retrieve: Retrieve | None, style: str, hits: list[Any],
                relaxed: bool) -> ComposedAnswer:
        docs = self.app.store.documents_by_ids([h.id for h in hits if h.kind == "mail" or h.kind == "note"])
        query = retrieve.query if retrieve else question
        request = AnswerRequest(question, query, style, hits, self.now,
                                bodies={d["id"]: d.get("body") or "" for d in docs},
                                name_of=functools.partial(display_name, self.app.store),
                                relations_of=functools.partial(card_relations_to_owner, self.app.store),
                                filtered_browse=bool(retrieve and retrieve.filters and not query.strip()),
                                relaxed=relaxed)
        composed = self.answerer.answer(request)
        self._last_notes = list(getattr(self.answerer, "notes", []) or [])
        return composed

    def render_context(self, plan: Plan) -> RenderContext:
        return RenderContext(plan.question, functools.partial(card_relations_to_owner, self.app.store))

    def call_intent(self, step: CallIntent, confirm: Callable[..., Any] | None) -> dict[str, Any]:
        entry = {"name": step.name, "arguments": dict(step.arguments), "effect": step.effect}
        if self.registry is None:
            entry.update(status="failed", result=None, error={"type": "no_registry", "message": "no intents are installed"})
            return entry
        from intents import IntentContext

        owner = self.app.home.config.get("owner") or {}
        from agent.generative_summary import thread_summary_writer

        context = IntentContext(self.app, self.now, owner.get("name") if isinstance(owner, dict) else None,
                                summarize=thread_summary_writer(self.app))
        outcome = self.registry.call(step.name, step.arguments, context=context, confirm=confirm, caller="agent")
        # An ambiguous person is settled by the registry's entity resolution (intents.entities):
        # the dominant candidate, or a disambiguation list the answer shows.
        data = outcome.to_json()
        entry.update(status=data["status"], result=data.get("result"), error=data.get("error"),
                     confirmation=data.get("confirmation"), confirmed_by=data.get("confirmed_by"))
        if entry["status"] == "done":
            spec = self.registry.specs.get(step.name) if hasattr(self.registry, "specs") else None
            entry["result_type"] = result_type(spec) if spec is not None else None
        return entry


def describe_calls(calls: list[dict[str, Any]], plan: Plan | None,
                   context: RenderContext | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The answer for a plan of intent calls: each finished call's result through the renderer of its
    result type (READ calls answer with it, side effects say what was done and where); the citations."""
    context = context or RenderContext(plan.question if plan is not None else "")
    lines: list[str] = []
    citations: list[dict[str, Any]] = []
    for call in calls:
        summary = (call.get("confirmation") or {}).get("summary") or call["name"].replace("_", " ")
        status = call["status"]
        if status == "done":
            context.first_citation = len(citations) + 1
            rendered = render_result(call.get("result_type"), call.get("result"), context)
            call["rendered"] = rendered.lines
            citations += rendered.citations
            if call.get("effect", "read") == "read":
                lines += rendered.lines or [f"Done: {summary}."]
            else:
                lines.append(f"Done: {summary}." + ("\n" + "\n".join(rendered.lines) if rendered.lines else ""))
        elif status == "needs_confirmation":
            lines.append(f"Not done, needs confirmation: {summary}. Run again with --yes or answer the prompt.")
        elif status == "refused":
            lines.append(f"Cancelled, nothing was done: {summary}.")
        else:
            message = (call.get("error") or {}).get("message", "unknown error")
            lines.append(f"Could not {call['name'].replace('_', ' ')}: {message}")
    return "\n".join(lines) or "Nothing to do.", citations
