"""The conversation around one `kith ask`: run it, ask the person about any side effect it wants,
run it again with their answers, and print the result. Standard library only, so the daemon-backed
fast path (`kith/cli/entry.py`) and the in-process click command share it.

``run`` is either the daemon's ``ask`` method or ``agent.ask_service.run_ask`` in this process; both take
an ``AskRequest`` as JSON and give the answer as JSON.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

Run = Callable[[dict[str, Any]], dict[str, Any]]


def pending_confirmations(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The confirmation requests of the calls in an answer that still wait for the user."""
    return [call["confirmation"] for call in answer.get("intent_calls") or []
            if call.get("status") == "needs_confirmation" and call.get("confirmation")]


def prompt_yes_no(request: dict[str, Any], stdin: TextIO, stderr: TextIO) -> bool:
    stderr.write(f"{str(request.get('effect', '')).upper()}: {request.get('summary')}\nGo ahead? [y/N]: ")
    stderr.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def converse(run: Run, request: dict[str, Any], interactive: bool,
             ask: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    """Run the request; if calls wait for confirmation and a person is there, ask and run once more."""
    answer = run(request)
    pending = pending_confirmations(answer)
    if not pending or request.get("yes") or not interactive:
        return answer
    ask = ask or (lambda pending_request: prompt_yes_no(pending_request, sys.stdin, sys.stderr))
    approved, declined = list(request.get("approved") or []), list(request.get("declined") or [])
    for pending_request in pending:
        (approved if ask(pending_request) else declined).append(pending_request["fingerprint"])
    return run(dict(request, approved=approved, declined=declined))


def format_answer(answer: dict[str, Any], explain: bool = False) -> str:
    """The human-readable form: (plan), the answer (finished calls' results are rendered into it by
    ``agent.render``; ``--json`` has the raw results) and the numbered citations."""
    lines: list[str] = []
    if explain and answer.get("explain"):
        lines += [answer["explain"], ""]
    lines.append(answer.get("answer") or "")
    citations = answer.get("citations") or []
    if citations:
        lines.append("")
        for cite in citations:
            where = f"{cite['path']}#{cite['locator']}" if cite.get("locator") else cite["path"]
            lines.append(f"[{cite['n']}] {cite['kind']} {cite['id']} {cite.get('title') or ''} — {where}")
    return "\n".join(lines)
