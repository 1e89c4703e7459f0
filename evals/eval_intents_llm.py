"""`kith eval intents FILE --planner llm|auto`: the same labelled sets routed through the LLM planner.

The evaluation file's intents become a small registry of parameterless intents (name, title from the
first phrase, a few phrases as examples in the prompt) so that `agent.llm_planner.LlmPlanner` builds
its constrained plan grammar from them exactly as it does from the user's installed intents. Each
test question is planned; the prediction is the plan's action (`search` counts as out of scope here,
since the evaluation files have no search class). `auto` plans with the deterministic router first and
asks the model only when the router is unsure, as the product does (`agent.choose.AutoPlanner`).
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, Callable

from evals.eval_intents import IntentDataset, metrics
from agent.router import OUT_OF_SCOPE

EXAMPLES_IN_PROMPT = 2


class EvalRegistry:
    """The dataset's intents in the shape the LLM planner reads from `intents.Registry`."""

    def __init__(self, dataset: IntentDataset) -> None:
        self.specs = {name: SimpleNamespace(
            name=name, title=" / ".join(f'"{p}"' for p in phrases[:EXAMPLES_IN_PROMPT]), from_index=None,
            input_schema={"type": "object", "properties": {}}, effect="read", phrases=phrases, examples={})
            for name, phrases in dataset.intents.items()}

    def list(self) -> list[Any]:
        return list(self.specs.values())

    def get(self, name: str) -> Any:
        return self.specs[name]


def plan_label(plan: Any) -> str:
    name = plan.route.name if plan.route is not None else OUT_OF_SCOPE
    return OUT_OF_SCOPE if name in ("search", OUT_OF_SCOPE) else name


def evaluate_planner(dataset: IntentDataset, planner: Any, limit: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Plan each test question with `planner` and score the actions like `evaluate` scores the router."""
    from agent.plan import PlanContext

    registry = EvalRegistry(dataset)
    context = PlanContext(now=datetime.now(timezone.utc), owner={}, registry=registry, known_places=[], app=None)
    test = dataset.test[:limit] if limit else dataset.test
    predicted, fallbacks, started = [], 0, time.perf_counter()
    for i, (text, _gold) in enumerate(test):
        plan = planner.plan(text, context)
        fallbacks += "fallback" in (plan.planner or "")
        predicted.append(plan_label(plan))
        if progress:
            progress(i + 1, len(test))
    report = metrics([g for _, g in test], predicted)
    report.update({"planner": getattr(planner, "name", type(planner).__name__), "n_intents": len(registry.specs),
                   "fallbacks": fallbacks, "seconds_per_question": round((time.perf_counter() - started) / max(len(test), 1), 3)})
    return report


def router_planner(dataset: IntentDataset, embedder: Any, method: str, target_oos_recall: float) -> Any:
    """A deterministic stand-in planner: the router of `evals.eval_intents.evaluate`, calibrated on the phrases
    and the out-of-scope pool (not the val split: the LLM planner sees no val data either), as a Planner."""
    from agent.plan import Answer, Plan
    from evals.eval_intents import fit_router

    router, _, _ = fit_router(dataset, embedder, method, target_oos_recall, calibrate="phrases")

    class RouterPlanner:
        name = "deterministic"

        def plan(self, question: str, context: Any) -> Plan:
            return Plan(question, [Answer("intent")], [], router.route(question), self.name, [])

    return RouterPlanner()


def stderr_progress(every: float = 5.0) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= every or done == total:
            last[0] = time.monotonic()
            print(f"planned {done}/{total}", file=sys.stderr, flush=True)

    return report
