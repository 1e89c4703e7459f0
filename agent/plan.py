"""The typed plan a Planner produces: Retrieve, CallIntent and Answer steps, plus the slots behind them.

A planner (deterministic today, an on-device LLM later) only has to turn a question and a
``PlanContext`` into a ``Plan``; the runner executes any plan the same way.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass
class Slot:
    """One thing understood in the question, with its character span so the plan can be explained."""

    name: str                   # since/until/due/person/place/kind/quoted/order/recipient/body/...
    value: Any
    text: str                   # the words of the question it came from
    span: tuple[int, int]

    def to_json(self) -> dict[str, Any]:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        return {"name": self.name, "value": value, "text": self.text, "span": list(self.span)}


@dataclass
class Retrieve:
    query: str
    filters: dict[str, Any] = field(default_factory=dict)  # kind, since, until, person, place, source
    limit: int = 8
    order: str = "relevance"                                # relevance | newest | oldest
    type: str = "retrieve"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["filters"] = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.filters.items()}
        return data


@dataclass
class CallIntent:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    effect: str = "read"
    type: str = "call_intent"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["arguments"] = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.arguments.items()}
        return data


@dataclass
class Answer:
    style: str = "what"   # when | who | where | what | how_many | yes_no | photos | list | confirm_action
    type: str = "answer"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Step = Retrieve | CallIntent | Answer


@dataclass
class Route:
    name: str                  # an intent name, "ask", or "out_of_scope"
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    threshold: float | None = None   # the router's out-of-scope threshold when it decided

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "confidence": round(self.confidence, 4),
                "alternatives": [{"name": n, "score": round(s, 4)} for n, s in self.alternatives]}
        if self.threshold is not None:
            data["threshold"] = round(self.threshold, 4)
        return data


@dataclass
class Plan:
    question: str
    steps: list[Step]
    slots: list[Slot] = field(default_factory=list)
    route: Route | None = None
    planner: str = "deterministic"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "planner": self.planner,
            "route": self.route.to_json() if self.route else None,
            "slots": [s.to_json() for s in self.slots],
            "steps": [s.to_json() for s in self.steps],
            "notes": self.notes,
        }

    def explain(self) -> str:
        lines = [f"planner: {self.planner}"]
        if self.route:
            alts = ", ".join(f"{n} {s:.2f}" for n, s in self.route.alternatives[:3])
            limit = f", out-of-scope below {self.route.threshold:.2f}" if self.route.threshold is not None else ""
            lines.append(f"route: {self.route.name} (confidence {self.route.confidence:.2f}{limit}; alternatives: {alts})")
        for slot in self.slots:
            value = slot.value.isoformat() if isinstance(slot.value, datetime) else slot.value
            lines.append(f"slot {slot.name} = {value!r}  ← \"{slot.text}\" [{slot.span[0]}:{slot.span[1]}]")
        for i, step in enumerate(self.steps, 1):
            lines.append(f"step {i}: {step.to_json()}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass
class PlanContext:
    """What a planner may look at: the user's own words plus owner, clock and registry. Never retrieved text."""

    now: datetime
    owner: dict[str, Any] = field(default_factory=dict)
    registry: Any = None          # intents.Registry (or None when no intents are installed)
    known_places: list[str] = field(default_factory=list)
    app: Any = None               # KithApp, for resolving people; planners must not read documents


@runtime_checkable
class Planner(Protocol):
    name: str

    def plan(self, question: str, context: PlanContext) -> Plan: ...
