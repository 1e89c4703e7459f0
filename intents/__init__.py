"""Typed intents (App Intents style): declare a function with ``@intent``; kith derives its JSON
schemas, validates and resolves arguments, enforces confirmation for side effects, audits every
call, and serves it to the CLI, the agent, OpenAI-style tools and MCP.

``default_registry`` is loaded lazily on first access (built-ins + entry points + the kith.toml
folder for $KITH_HOME or the platform home); use ``load_registry(home)`` for an explicit home.
"""
from __future__ import annotations

from typing import Any

from intents.confirmation import (Confirmation, ConfirmationRequest, ConfirmFn, auto_approve, auto_deny)
from intents.context import IntentContext
from intents.decorator import IntentSpec, ParamSpec, intent
from intents.effects import Effect
from intents.entities import Document, Entity, Event, Person, Photo, Place
from intents.errors import ArgumentError, IntentError, RegistrationError, UnsupportedType
from intents.registry import CallResult, Registry
from intents.schema import Param
from intents.trust import spec_hash

__all__ = [
    "intent", "Param", "Effect", "Entity", "Person", "Document", "Photo", "Event", "Place",
    "IntentError", "RegistrationError", "UnsupportedType", "ArgumentError", "Registry", "IntentSpec",
    "ParamSpec", "CallResult", "IntentContext", "Confirmation", "ConfirmationRequest", "ConfirmFn",
    "auto_approve", "auto_deny", "load_registry", "default_registry", "spec_hash", "to_openai_tools",
]

_default: Registry | None = None


def load_registry(home: Any = None, **options: Any) -> Registry:
    from intents.discovery import load_registry as _load

    return _load(home, **options)


def to_openai_tools(registry_or_specs: Any = None) -> list[dict[str, Any]]:
    from intents.openai_tools import to_openai_tools as _tools

    if registry_or_specs is None:
        registry_or_specs = __getattr__("default_registry")
    if isinstance(registry_or_specs, Registry):
        return registry_or_specs.to_openai_tools()
    return _tools(list(registry_or_specs))


def __getattr__(name: str) -> Any:
    global _default
    if name == "default_registry":
        if _default is None:
            _default = load_registry(None)
        return _default
    raise AttributeError(f"module 'intents' has no attribute {name!r}")
