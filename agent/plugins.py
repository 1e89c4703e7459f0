"""The agent's built-ins registered through the plugin hooks: the deterministic planner and the
extractive answerer. Selected by name in kith.toml (``[agent] planner = "..."``, ``answerer = "..."``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

DEFAULT_PLANNER = "deterministic"
DEFAULT_ANSWERER = "extractive"


def _deterministic(embedder: Any) -> Any:
    from agent.planner import DeterministicPlanner

    return DeterministicPlanner(embedder)


def _extractive(embedder: Any) -> Any:
    from agent.answerer import ExtractiveAnswerer

    return ExtractiveAnswerer(embedder)


@hookimpl
def register_planners(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(DEFAULT_PLANNER, _deterministic)


@hookimpl
def register_answerers(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(DEFAULT_ANSWERER, _extractive)


def make(hook: str, name: str, embedder: Any) -> Any:
    """Build the planner or answerer registered as ``name`` (a clear error naming the choices)."""
    from indexer.errors import ConfigError
    from kith.plugins import factories

    found = factories(hook)
    if name not in found:
        what = hook.removeprefix("register_")[:-1]
        raise ConfigError(f"no {what} named {name!r} (installed: {', '.join(sorted(found)) or 'none'}); "
                          f"fix [agent] {what} in kith.toml or see `kith plugins`")
    return found[name](embedder)
