"""`kith eval tools`: function calling on BFCL v4, run through kith's own generator.

Rows:
- ``unconstrained``: the base model writes freely; the call is read out of its text (`evals.call_text`);
- ``constrained``: the base model decodes under the reply schema of `runtime.tool_calls` (the one
  `kith serve` uses for ``tools``): exactly one call of one of the item's functions with typed
  arguments, or ``{"content": ...}``, the explicit "no call";
- ``adapter``: the same constrained decoding with the planner adapter active.
Call categories are scored with BFCL's AST rules (`evals.bfcl_ast`), the irrelevance ones by "no call
made". The prompt lists the functions compactly (prefill is the cost on a laptop's CPU).
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evals.bfcl_ast import Verdict, check_calls
from evals.bfcl_data import ToolItem
from evals.call_text import parse_calls
from runtime.tool_calls import NO_CALL_KEY, call_margin, read_tool_reply, tool_call_schema, tool_prompt
from runtime.tool_relevance import Encode, request_text, tool_relevance

ROWS = ("unconstrained", "constrained", "adapter")
NO_CALL_CHARS = 80
# Generation budgets: free text needs no more than a call's worth; a constrained reply gets room to close
# even when the model loops inside a long string or array.
MAX_TOKENS = {"unconstrained": 128, "constrained": 512, "adapter": 512}
ANCHORS = [  # BFCL v4 leaderboard, simple AST / irrelevance, percent
    {"model": "Qwen3-0.6B", "simple_ast": 64.2, "irrelevance": 80.8},
    {"model": "Hammer2.1-1.5b", "simple_ast": 73.9, "irrelevance": 79.4},
    {"model": "Llama-3.2-3B", "simple_ast": 70.7, "irrelevance": 52.1},
]
FLOORS = {"simple_ast": 0.50, "irrelevance": 0.75}
SUMMARY_KEYS = {"simple_python": "simple_ast", "irrelevance": "irrelevance", "live_simple": "live_simple_ast",
                "live_irrelevance": "live_irrelevance"}
Progress = Callable[[int, int, str], None]
NO_CALL_REPLY = '{"' + NO_CALL_KEY + '":"I cannot do that"}'


@dataclass(frozen=True)
class RelevanceGate:
    """The embedder that measures request-to-function relevance, and the floor below which no call is made
    (None: measure and record only)."""

    encode: Encode
    floor: float | None


def messages_for(item: ToolItem) -> list[dict[str, str]]:
    """The item's turn with the compact function list in the system prompt (before the item's own)."""
    instruction = tool_prompt(item.tools(), "auto", compact=True)
    messages = [dict(m) for m in item.messages]
    if messages and messages[0]["role"] == "system":
        messages[0]["content"] = instruction + "\n\n" + messages[0]["content"]
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    return messages


def reply_schema(item: ToolItem) -> dict[str, Any]:
    """One call of one of the item's functions (typed arguments) or the explicit no-call reply."""
    tools = []
    for tool in item.tools():
        params = dict(tool["parameters"])
        params["properties"] = {k: {key: v for key, v in p.items() if key not in ("description", "default")}
                                for k, p in params["properties"].items()}
        tools.append(dict(tool, parameters=params))
    return tool_call_schema(tools, "auto", reply_max_chars=NO_CALL_CHARS)


def run_item(generator: Any, item: ToolItem, row: str, *, adapter: str | None, max_tokens: int,
             no_call_margin: float | None = None, gate: RelevanceGate | None = None) -> dict[str, Any]:
    """Generate for one item in one row and score it. A constrained call is also scored against the no-call
    branch (`runtime.tool_calls.call_margin`, recorded as ``call_margin``); with ``no_call_margin`` a call
    below it becomes no call (``overruled``). With a ``gate``, a constrained row first measures how related
    the request is to the item's functions (``relevance``); below the gate's floor the reply is the no call,
    without decoding (``gated``)."""
    from runtime.errors import BadConstraint, GenerationFailed, PromptTooLong
    from runtime.generator import Constraint

    started = time.perf_counter()
    record: dict[str, Any] = {"id": item.id, "output": "", "calls": [], "malformed": False, "prompt_tokens": 0}
    messages = messages_for(item)
    if gate is not None and row != "unconstrained":
        record["relevance"] = round(tool_relevance(gate.encode, request_text(item.messages), item.tools()), 4)
        if gate.floor is not None and record["relevance"] < gate.floor:
            verdict = Verdict(not item.expects_call, "" if not item.expects_call else "gated",
                              "" if not item.expects_call else "no function was related enough to call")
            record.update(output=NO_CALL_REPLY, gated=True, seconds=round(time.perf_counter() - started, 3),
                          correct=verdict.valid, error=verdict.error or None, detail=verdict.detail or None)
            return record
    try:
        if row == "unconstrained":
            result = generator.generate(messages, max_tokens=max_tokens, temperature=0.0,
                                        stop=("</tool_call>",))
            calls = parse_calls(result.text, item.functions)
        else:
            result = generator.generate(messages, adapter=adapter if row == "adapter" else None,
                                        max_tokens=max_tokens, temperature=0.0,
                                        constraint=Constraint.json_schema(reply_schema(item)))
            reply = read_tool_reply(result.text)
            record["malformed"] = reply is None or result.finish_reason == "length"
            calls = [(reply.name, reply.arguments)] if reply is not None and reply.is_call else []
            if calls:
                margin = call_margin(generator, messages, adapter if row == "adapter" else None)
                record["call_margin"] = None if margin is None else round(margin, 4)
                if margin is not None and no_call_margin is not None and margin < no_call_margin:
                    calls, record["overruled"] = [], True
        record.update(output=result.text, prompt_tokens=result.prompt_tokens)
    except (PromptTooLong, BadConstraint, GenerationFailed) as exc:
        record.update(seconds=round(time.perf_counter() - started, 3), correct=False, error=exc.code, detail=str(exc))
        return record
    record["calls"] = [{"name": name, "arguments": args} for name, args in calls]
    if record["malformed"]:  # a constrained reply cut off mid-call is wrong everywhere, not a "no call"
        verdict = Verdict(False, "malformed", f"the constrained reply did not complete ({result.finish_reason})")
    elif item.expects_call:
        verdict = check_calls(item.functions, calls, item.answer or [])
    else:
        verdict = Verdict(not calls, "" if not calls else "made_a_call", "" if not calls else f"called {calls[0][0]}")
    record.update(seconds=round(time.perf_counter() - started, 3), correct=verdict.valid, error=verdict.error or None,
                  detail=verdict.detail or None)
    return record


def _category_result(records: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(records)
    correct = sum(1 for r in records if r["correct"])
    return {"n": n, "correct": correct, "accuracy": round(correct / n, 4) if n else None,
            "malformed": sum(1 for r in records if r["malformed"]),
            "errors": dict(Counter(r["error"] for r in records if r.get("error")).most_common()),
            "mean_prompt_tokens": round(sum(r["prompt_tokens"] for r in records) / n, 1) if n else None,
            "mean_seconds": round(sum(r["seconds"] for r in records) / n, 3) if n else None,
            "items": records}


def run_row(generator: Any, row: str, data: dict[str, list[ToolItem]], *, adapter: str | None,
            max_tokens: int | None, progress: Progress, done: int, total: int,
            no_call_margin: float | None = None, gate: RelevanceGate | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    max_tokens = max_tokens or MAX_TOKENS[row]
    for category, items in data.items():
        records = []
        for item in items:
            records.append(run_item(generator, item, row, adapter=adapter, max_tokens=max_tokens,
                                    no_call_margin=None if row == "unconstrained" else no_call_margin,
                                    gate=gate))
            done += 1
            progress(done, total, f"{row} {category}")
        results[category] = _category_result(records)
    summary = {SUMMARY_KEYS[c]: r["accuracy"] for c, r in results.items()}
    floors = {k: summary[k] >= v for k, v in FLOORS.items() if summary.get(k) is not None}
    return {"row": row, "status": "ok", "adapter": adapter if row == "adapter" else None, "max_tokens": max_tokens,
            "no_call_margin": None if row == "unconstrained" else no_call_margin,
            "relevance_floor": None if row == "unconstrained" or gate is None else gate.floor, "results": results,
            "summary": summary, "meets_floors": all(floors.values()) if len(floors) == len(FLOORS) else None}


def evaluate(generator: Any, data: dict[str, list[ToolItem]], rows: list[str], *, adapter: str | None,
             adapter_missing: str | None, max_tokens: int | None, progress: Progress,
             no_call_margin: float | None = None, gate: RelevanceGate | None = None) -> dict[str, Any]:
    """Run ``rows`` over ``data`` (category -> items). ``adapter_missing`` is why the adapter row is skipped;
    ``max_tokens`` (default: ``MAX_TOKENS`` per row) is the generation budget per item; ``no_call_margin``
    turns constrained calls the model prefers by less than that (log-odds) into no call; ``gate`` closes the
    call branch for requests unrelated to every function (`runtime.tool_relevance`)."""
    runnable = [r for r in rows if r != "adapter" or adapter_missing is None]
    total = len(runnable) * sum(len(items) for items in data.values())
    report_rows = []
    done = 0
    for row in rows:
        if row == "adapter" and adapter_missing is not None:
            report_rows.append({"row": row, "status": "skipped", "reason": adapter_missing, "adapter": None,
                                "results": {}, "summary": {}, "meets_floors": None})
            continue
        report_rows.append(run_row(generator, row, data, adapter=adapter, max_tokens=max_tokens, progress=progress,
                                   done=done, total=total, no_call_margin=no_call_margin, gate=gate))
        done += sum(len(items) for items in data.values())
    return {"benchmark": "BFCL v4", "model": generator.name, "categories": {c: len(i) for c, i in data.items()},
            "rows": report_rows, "best_row": best_row(report_rows),
            "anchors": ANCHORS, "floors": FLOORS}


def best_row(rows: list[dict[str, Any]]) -> str | None:
    """The row with the highest mean of simple AST and irrelevance accuracy (the floors' two numbers)."""
    scored = [(sum(r["summary"].get(k) or 0.0 for k in FLOORS), r["row"]) for r in rows if r["status"] == "ok"]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None
