"""Errors raised while declaring, registering, validating and running intents."""
from __future__ import annotations

from typing import Any

from indexer.errors import KithError


class IntentError(KithError):
    """Raised by an intent's perform function for a user-facing failure (``type`` goes in the error)."""

    def __init__(self, message: str, type: str = "intent", **details: Any) -> None:
        super().__init__(message)
        self.type = type
        self.details = details

    @property
    def code(self) -> str:  # type: ignore[override]
        return self.type

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "message": str(self), **self.details}


class RegistrationError(KithError):
    """An intent cannot be registered; the message names the file and the intent."""

    code = "intent_registration"


class UnsupportedType(TypeError):
    """A type hint that has no JSON Schema mapping."""


class ArgumentError(Exception):
    """Arguments failed validation or entity resolution; ``error`` is the structured error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "invalid arguments"))
        self.error = error
