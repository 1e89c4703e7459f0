"""The agent's built-ins registered through the plugin hooks: the deterministic planner and the
extractive answerer. Selected by name in kith.toml (``[agent] planner = "..."``, ``answerer = "..."``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

DEFAULT_PLANNER = "deterministic"
DEFAULT_ANSWERER = "extractive"


def _deterministic(embedder: Any) -> Any:
    from agent.deterministic_planner import DeterministicPlanner

    return DeterministicPlanner(embedder)


def _extractive(embedder: Any) -> Any:
    from agent.answerer import ExtractiveAnswerer

    return ExtractiveAnswerer(embedder)


def _llm(embedder: Any, app: Any = None) -> Any:
    from agent.choose import llm_planner

    return llm_planner(app, embedder)


def _auto(embedder: Any, app: Any = None) -> Any:
    from agent.choose import AutoPlanner, llm_planner

    return AutoPlanner(_deterministic(embedder), llm_planner(app, embedder))


def _generative(embedder: Any, app: Any = None) -> Any:
    from agent.choose import generative_answerer

    return generative_answerer(app, embedder)


@hookimpl
def register_planners(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(DEFAULT_PLANNER, _deterministic)
    register("llm", _llm)
    register("auto", _auto)


@hookimpl
def register_answerers(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(DEFAULT_ANSWERER, _extractive)
    register("generative", _generative)


def make(hook: str, name: str, embedder: Any, app: Any = None) -> Any:
    """Build the planner or answerer registered as ``name`` (a clear error naming the choices).

    Factories take the embedder, and the app when they declare an ``app`` parameter (the model-backed
    ones need the home's language model and store)."""
    import inspect

    from indexer.errors import ConfigError
    from kith.plugins import factories

    found = factories(hook)
    if name not in found:
        what = hook.removeprefix("register_")[:-1]
        raise ConfigError(f"no {what} named {name!r} (installed: {', '.join(sorted(found)) or 'none'}); "
                          f"fix [agent] {what} in kith.toml or see `kith plugins`")
    factory = found[name]
    try:
        wants_app = "app" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        wants_app = False
    return factory(embedder, app=app) if wants_app else factory(embedder)
