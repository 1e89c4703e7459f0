"""The agent's swappable parts as protocols: ``Planner`` (question -> Plan) and ``Answerer``
(question + retrieved hits -> a grounded answer with citations).

Implementations are registered through the ``register_planners`` / ``register_answerers`` plugin
hooks; the built-ins are ``DeterministicPlanner`` and ``ExtractiveAnswerer``. An answerer sees
retrieved text only as data (``AnswerRequest.hits``); it never chooses or triggers an intent.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from agent.plan import Planner, PlanContext

if TYPE_CHECKING:
    from agent.composer import ComposedAnswer

__all__ = ["Planner", "PlanContext", "Answerer", "AnswerRequest"]


def _same_name(raw: str) -> str:
    return raw


def _no_relations(contact_doc_id: str) -> list[dict[str, Any]]:
    return []


@dataclass
class AnswerRequest:
    """Everything an answerer may use: the question, the retrieval query, the answer style the
    planner chose, the hits (snippets), full bodies of some of them, and how to name a sender."""

    question: str
    query: str
    style: str
    hits: list[Any]
    now: datetime
    bodies: dict[str, str] = field(default_factory=dict)
    name_of: Callable[[str], str] = _same_name
    relations_of: Callable[[str], list[dict[str, Any]]] = _no_relations  # contact card id → relation to the owner
    filtered_browse: bool = False
    relaxed: bool = False


@runtime_checkable
class Answerer(Protocol):
    name: str

    def answer(self, request: AnswerRequest) -> "ComposedAnswer": ...
