"""Confirmation requests and answers. The caller supplies the callback: a CLI prompt, an MCP
elicitation, or an automatic answer in tests."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from intents.effects import Effect


@dataclass
class ConfirmationRequest:
    intent: str
    title: str
    effect: Effect
    summary: str                     # one line a person can say yes or no to
    arguments: dict[str, Any] = field(default_factory=dict)  # resolved, display-friendly
    caller: str = "cli"

    @property
    def fingerprint(self) -> str:
        """Names this exact call (intent and resolved arguments): an approval given for one
        fingerprint never carries over to other arguments."""
        canonical = json.dumps([self.intent, self.arguments], sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["effect"] = self.effect.value
        data["fingerprint"] = self.fingerprint
        return data


@dataclass
class Confirmation:
    approved: bool
    by: str = "user"                 # who confirmed: "cli-prompt", "--yes", "mcp-elicitation", "test"...
    note: str | None = None
    deferred: bool = False           # the caller cannot ask now: the call ends as needs_confirmation


ConfirmFn = Callable[[ConfirmationRequest], "Confirmation | bool"]


def normalize(answer: Confirmation | bool | None, default_by: str) -> Confirmation:
    if isinstance(answer, Confirmation):
        return answer
    return Confirmation(approved=bool(answer), by=default_by)


def auto_deny(request: ConfirmationRequest) -> Confirmation:
    return Confirmation(False, by="auto-deny")


def auto_approve(by: str = "auto-approve") -> ConfirmFn:
    def approve(request: ConfirmationRequest) -> Confirmation:
        return Confirmation(True, by=by)

    return approve


def describe(value: Any) -> Any:
    """A display form of a converted argument (entities by their display name)."""
    from datetime import date

    from pydantic import BaseModel

    from intents.entities import Entity

    if isinstance(value, Entity):
        return value.display
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name"):  # Enum
        return value.value
    return value


def build_request(spec: Any, kwargs: dict[str, Any], caller: str) -> ConfirmationRequest:
    shown = {k: describe(v) for k, v in kwargs.items() if v is not None}
    if spec.confirm_message:
        try:
            summary = spec.confirm_message.format(**shown)
        except (KeyError, IndexError, ValueError):
            summary = spec.confirm_message
    else:
        summary = f"{spec.title}: " + ", ".join(f"{k}={_short(v)}" for k, v in shown.items())
    return ConfirmationRequest(spec.name, spec.title, spec.effect, summary, shown, caller)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
