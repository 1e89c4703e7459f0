"""`ask` as one JSON request and one JSON answer, so the daemon and the CLI run the same code.

Side effects still need the user: the request carries the fingerprints of the calls the user has
already approved or declined (see ``ConfirmationRequest.fingerprint``). A side-effecting call is
performed only when its exact fingerprint was approved, or with ``yes``; an undecided one comes back
as ``needs_confirmation`` with its fingerprint, the CLI asks the person, and sends the question again
with the answer. Planning only ever sees the question, so retrieved text cannot choose a call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from indexer.errors import KithError


@dataclass
class AskRequest:
    question: str
    now: str | None = None
    yes: bool = False
    approved: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    planner: str | None = None      # deterministic | llm | auto (None: kith.toml [agent], else the default)
    answerer: str | None = None     # extractive | generative

    @classmethod
    def from_json(cls, params: dict[str, Any]) -> "AskRequest":
        question = params.get("question")
        if not isinstance(question, str) or not question.strip():
            raise KithError("ask: 'question' must be a non-empty string")
        lists = {key: [str(v) for v in params.get(key) or []] for key in ("approved", "declined")}
        choices = {key: (str(params[key]) if params.get(key) else None) for key in ("planner", "answerer")}
        return cls(question, params.get("now"), bool(params.get("yes")), **lists, **choices)

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "now": self.now, "yes": self.yes,
                "approved": self.approved, "declined": self.declined, "planner": self.planner,
                "answerer": self.answerer}


def parse_now(value: str | None) -> datetime:
    """An ISO timestamp (a missing offset means UTC), or the local time now."""
    if not value:
        return datetime.now(timezone.utc).astimezone()
    try:
        now = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise KithError(f"--now {value!r} is not an ISO timestamp (e.g. 2026-11-23T09:00:00+00:00)") from None
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def decided_by(request: AskRequest, by: str = "cli-prompt") -> Any:
    """The confirmation callback for a request: --yes, the user's recorded answers, else deferred."""
    from intents import Confirmation

    def confirm(pending: Any) -> Any:
        if request.yes:
            return Confirmation(True, by="--yes")
        if pending.fingerprint in request.approved:
            return Confirmation(True, by=by)
        if pending.fingerprint in request.declined:
            return Confirmation(False, by=by)
        return Confirmation(False, by=by, deferred=True)

    return confirm


def run_ask(app: Any, request: AskRequest, registry: Any = None, planner: Any = None,
            answerer: Any = None) -> dict[str, Any]:
    """Plan, retrieve, call and compose one answer; the JSON of ``AgentResult`` plus ``explain``.

    ``planner`` / ``answerer`` instances (built once by a caller asking many questions, e.g. `kith eval
    answers`; the deterministic planner calibrates its router when built) replace the request's names."""
    from agent.executor import Agent

    from agent.plugins import make

    if planner is None and request.planner:
        planner = make("register_planners", request.planner, app.embedder, app=app)
    if answerer is None and request.answerer:
        answerer = make("register_answerers", request.answerer, app.embedder, app=app)
    agent = Agent(app, planner=planner, registry=registry, now=parse_now(request.now), answerer=answerer)
    result = agent.ask(request.question, confirm=decided_by(request))
    data = result.to_json()
    data["explain"] = result.plan.explain() if result.plan else ""
    return data
