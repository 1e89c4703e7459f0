"""The agent's socket methods, registered with the daemon through the ``register_daemon_methods`` hook
(the daemon, in ``indexer/daemon/``, never imports ``agent/``): ``ask`` answers `kith ask` with the
daemon's warm model and shared FAISS index."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

log = logging.getLogger("kith.daemon")


def ask_method(home: Any, daemon: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`ask` on the daemon's shared app (``daemon.shared_app()``); side effects only for calls the
    request says were approved. ``warm()`` plans one question at start so the first ask is fast."""
    lock = threading.Lock()

    def ask(params: dict[str, Any]) -> dict[str, Any]:
        from agent.ask_service import AskRequest, run_ask

        request = AskRequest.from_json(params)
        with lock:
            answer = run_ask(daemon.shared_app(), request)
        answer["engine"]["embeddings"] = "daemon"
        return answer

    def warm() -> None:
        """Load the planner, its date parser and the intent phrases now, not on the first question.
        Only plans (nothing is retrieved, called or audited)."""
        try:
            from agent.executor import Agent

            with lock:
                agent = Agent(daemon.shared_app())
                agent.planner.plan("when is my next meeting tomorrow?", agent.context())
        except Exception:  # a cold first `ask` is the only cost
            log.exception("could not warm up `ask`")

    ask.warm = warm  # type: ignore[attr-defined]
    return ask


@hookimpl
def register_daemon_methods(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register("ask", ask_method)
