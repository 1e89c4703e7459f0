"""The model-backed agent parts behind the `llm` / `auto` planners and the `generative` answerer
(registered in agent/plugins.py; chosen with `kith ask --planner/--answerer` or kith.toml `[agent]`).

The language model is opened once per process (the daemon keeps it warm). A missing model is one
clear line saying how to import it.
"""
from __future__ import annotations

from typing import Any

AUTO_CONFIDENCE = 0.5   # auto: the deterministic plan stands when its router is at least this sure

_generators: dict[tuple[str, str | None], Any] = {}


def generator_for(app: Any, model: str | None = None) -> Any:
    """The home's language model with its adapter manager (task adapters by name), opened once per process."""
    from runtime.adapters import adapter_provider_for
    from runtime.generator import load_generator

    key = (str(app.home.path), model)
    if key not in _generators:
        _generators[key] = load_generator(app.home, model, adapter_provider=adapter_provider_for(app.home, model))
    return _generators[key]


def installed_adapter(generator: Any, name: str) -> str | None:
    """`name` if the generator can activate an adapter of that name, else None (run the base model)."""
    provider = getattr(generator, "adapter_provider", None)
    has = getattr(provider, "has", None)
    return name if callable(has) and has(name) else None


def task_adapter(app: Any, generator: Any, task: str, default: str, chosen: str | None = None) -> str | None:
    """The adapter a task activates: ``chosen`` (a command-line ``--adapter``), else kith.toml ``[agent]
    TASK_adapter`` (a name, or "none" for the base model), else ``default`` when it is installed."""
    from agent.executor import agent_setting

    where = "--adapter" if chosen is not None else f"[agent] {task}_adapter"
    if chosen is None:
        chosen = agent_setting(app, f"{task}_adapter", default) if app is not None else default
    if chosen == "none":
        return None
    found = installed_adapter(generator, chosen)
    if found is None and chosen != default:  # asked for by name: say how to get it
        from indexer.errors import KithError

        raise KithError(f"{where} = {chosen!r} is not installed for this model: train it with "
                        f"`kith adapters train {task} --name {chosen}` or import one with `kith adapters import DIR "
                        f"--name {chosen}` (or set it to \"none\")")
    return found


class AutoPlanner:
    """The router decides whether a request is for an intent at all; the on-device model decides only the
    requests the router hesitates over (an intent below ``threshold`` confidence).

    A request the router finds no intent for stays a search or out of scope: the first measurement
    (docs/MEASUREMENTS.md, "Intents through the plan step") asked the model those too, and the 135M model
    turned half of the unrelated questions into intent calls (out-of-scope recall 84% -> 41%). So auto's
    out-of-scope recall is at least the router's, and the model can only improve the hesitant cases."""

    name = "auto"

    def __init__(self, deterministic: Any, llm: Any, threshold: float = AUTO_CONFIDENCE) -> None:
        self.deterministic, self.llm, self.threshold = deterministic, llm, threshold

    def plan(self, question: str, context: Any) -> Any:
        plan = self.deterministic.plan(question, context)
        route = plan.route
        if route is None or route.name == "out_of_scope":
            plan.planner = "auto: deterministic"
            plan.notes.append("auto: the router found no intent for this request")
            return plan
        if route.confidence >= self.threshold:
            plan.planner = "auto: deterministic"
            plan.notes.append(f"auto: the router was {route.confidence:.2f} sure of {route.name}")
            return plan
        plan = self.llm.plan(question, context)
        plan.planner = f"auto: {plan.planner}"
        return plan


def llm_planner(app: Any, embedder: Any) -> Any:
    from agent.llm_planner import PLANNER_ADAPTER, LlmPlanner
    from agent.deterministic_planner import DeterministicPlanner

    generator = generator_for(app)
    return LlmPlanner(generator, DeterministicPlanner(embedder),
                      adapter=task_adapter(app, generator, "planner", PLANNER_ADAPTER))


def generative_answerer(app: Any, embedder: Any) -> Any:
    from agent.answerer import ExtractiveAnswerer
    from agent.generative_answer import ANSWER_ADAPTER, GenerativeAnswerer

    generator = generator_for(app)
    return GenerativeAnswerer(generator, embedder, app.store, ExtractiveAnswerer(embedder),
                              adapter=task_adapter(app, generator, "answer", ANSWER_ADAPTER))
