"""`kith eval answers FILE`: index a grounded-QA set, ask every question through the real ask service, score.

Reported (docs/AGENT.md): answer accuracy (an expected answer string appears in a found answer, both
normalised: case, accents and punctuation folded), the fraction of "unknown" questions answered "not
found", and citation precision (each cited answer sentence supported by the document it cites, judged by
the verifier and by an exact-match spot check: `agent.citation_check`).
"""
from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from agent.answer_set import AnswerItem, AnswerSet
from agent.citation_check import fold, judge_answer
from agent.ask_service import AskRequest, parse_now, run_ask
from agent.verify import Verifier
from indexer.errors import KithError

ProgressFn = Callable[[str, int, int], None]
ANSWERER_NOTES = ("answerer", "removed", "no generated", "the model")  # the generative answerer's plan notes


def normalise(text: str) -> str:
    """Folded case and accents, punctuation as spaces ("Casa do Alentejo," == "casa do alentejo"), except
    inside numbers ("10:05" is not "at 10", "$14,400.00" is "14400.00" without its dollar sign)."""
    text = re.sub(r"(?<=\d)[:.,](?=\d)", "", fold(text))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def answer_matches(answer: str, expected: list[str]) -> bool:
    haystack = f" {normalise(answer)} "
    return any(f" {normalise(e)} " in haystack for e in expected if normalise(e))


def build_index(app: Any, answer_set: AnswerSet, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Index every document of the set (all items together, one home); a summary of what was read."""
    started = time.perf_counter()
    report = app.indexer.index_paths(answer_set.documents(), progress=progress)
    count = app.store.document_count()
    if not count:
        reasons = "; ".join(f"{p}: {r}" for p, r in report.errors[:3]) or "no reader took any of them"
        raise KithError(f"none of the set's documents could be indexed ({reasons})")
    return {"files": len(answer_set.documents()), "files_indexed": report.files_indexed,
            "files_unchanged": report.files_unchanged, "files_failed": report.files_failed,
            "files_skipped": report.files_skipped, "documents": count,
            "failures": [{"path": p, "reason": r} for p, r in report.errors],
            "seconds": round(time.perf_counter() - started, 2)}


def ask_item(app: Any, item: AnswerItem, answerer: str, registry: Any, verifier: Verifier,
             parts: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    answer = run_ask(app, AskRequest(item.question, now=item.now, answerer=answerer), registry=registry, **parts)
    seconds = time.perf_counter() - started
    found = bool(answer.get("found"))
    judged = judge_answer(answer, app.store, verifier, parse_now(item.now))
    correct = (not found) if item.unknown else (found and answer_matches(answer.get("answer") or "", item.answers))
    return {"id": item.id, "line": item.line, "question": item.question,
            "expected": "unknown" if item.unknown else item.answers, "answer": answer.get("answer") or "",
            "found": found, "correct": correct, "seconds": round(seconds, 3), "engine": answer.get("engine"),
            "sentences": [j.to_json() | {"ok": j.ok} for j in judged],
            "notes": [n for n in (answer.get("plan") or {}).get("notes") or [] if n.startswith(ANSWERER_NOTES)]}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in results if r["expected"] != "unknown"]
    unknown = [r for r in results if r["expected"] == "unknown"]
    sentences = [s for r in results for s in r["sentences"]]
    seconds = [r["seconds"] for r in results]
    return {
        "questions": len(results), "answerable": len(answerable), "unknown": len(unknown),
        "answer_accuracy": _ratio(sum(r["correct"] for r in answerable), len(answerable)),
        "unknown_not_found": _ratio(sum(r["correct"] for r in unknown), len(unknown)),
        "answerable_not_found": _ratio(sum(not r["found"] for r in answerable), len(answerable)),
        "citation_precision": _ratio(sum(s["ok"] for s in sentences), len(sentences)),
        "citation_precision_verifier": _ratio(sum(s["verifier"] for s in sentences), len(sentences)),
        "citation_precision_spot_check": _ratio(sum(s["spot_check"] for s in sentences), len(sentences)),
        "sentences": len(sentences),
        "seconds_per_question": {"p50": round(statistics.median(seconds), 3) if seconds else None,
                                 "max": round(max(seconds), 3) if seconds else None},
    }


def evaluate(app: Any, answer_set: AnswerSet, answerer: str = "extractive",
             progress: ProgressFn | None = None) -> dict[str, Any]:
    """Ask every question of the set (already indexed into ``app``) and score the answers."""
    from agent.plugins import DEFAULT_PLANNER, make
    from agent.runner import agent_setting, load_registry_for

    registry = load_registry_for(app)
    verifier = Verifier(app.embedder)
    # built once, as a daemon would keep them (the deterministic planner calibrates its router when built)
    planner = agent_setting(app, "planner", DEFAULT_PLANNER)
    parts = {"planner": make("register_planners", planner, app.embedder, app=app),
             "answerer": make("register_answerers", answerer, app.embedder, app=app)}
    results = []
    for number, item in enumerate(answer_set.items, 1):
        if progress:
            progress(item.id, number - 1, len(answer_set.items))
        results.append(ask_item(app, item, answerer, registry, verifier, parts))
    if progress:
        progress("", len(answer_set.items), len(answer_set.items))
    return {"file": str(answer_set.path), "answerer": answerer, **summarise(results), "results": results}
