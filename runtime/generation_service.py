"""The daemon's ``generate`` method: warm models and adapters, one generation at a time per model, FIFO queue.

Each installed model that has been asked for stays loaded (``OrtGenerator`` with its ``AdapterManager``, whose
LRU keeps recent adapters loaded), so ``kith generate`` through the daemon pays neither the model load nor the
adapter load. Requests for the same model wait in arrival order; while waiting a request streams its queue
position, and a client that disconnects leaves the queue (or, once running, cancels its generation: the
socket server closes the stream when a write fails, and the producer also checks between tokens).

Request params: ``messages`` (chat turns) or ``prompt`` (+ ``system``), ``model``, ``adapter``, ``max_tokens``,
``temperature``, ``top_p``, ``seed``, ``stop``, ``constraint`` (``{"kind": ..., "data": ...}``).
Streamed items: ``{"queued": position}``, ``{"text": "..."}`` chunks, then ``{"result": GenerationResult}``.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from indexer.errors import KithError

POLL_S = 0.1


class BadGenerateRequest(KithError):
    code = "bad_request"


class FifoTurns:
    """A lock granted in arrival order; a waiter can give up when its client disconnects."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()
        self._busy = False

    def ahead(self) -> int:
        """Requests that would run before a new one (the running one included)."""
        with self._cond:
            return len(self._waiting) + int(self._busy)

    def acquire(self, cancelled: Callable[[], bool]) -> bool:
        """Wait for our turn; ``False`` (and out of the queue) if ``cancelled()`` turns true first."""
        ticket = object()
        with self._cond:
            self._waiting.append(ticket)
            while self._busy or self._waiting[0] is not ticket:
                if cancelled():
                    self._waiting.remove(ticket)
                    self._cond.notify_all()
                    return False
                self._cond.wait(POLL_S)
            self._waiting.popleft()
            self._busy = True
            return True

    def release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()


def parse_request(params: dict[str, Any]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """(messages, generate options) from the socket params; ``BadGenerateRequest`` names the bad field."""
    from runtime.generator import Constraint

    messages = params.get("messages")
    if messages is None:
        prompt = params.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise BadGenerateRequest("generate: give 'messages' (a list of {role, content}) or a non-empty 'prompt'")
        messages = ([{"role": "system", "content": str(params["system"])}] if params.get("system") else [])
        messages.append({"role": "user", "content": prompt})
    if not isinstance(messages, list) or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in messages):
        raise BadGenerateRequest("generate: 'messages' must be a list of {\"role\": str, \"content\": str}")
    options: dict[str, Any] = {}
    try:
        for key, kind in (("max_tokens", int), ("temperature", float), ("top_p", float), ("seed", int)):
            if params.get(key) is not None:
                options[key] = kind(params[key])
    except (TypeError, ValueError) as exc:
        raise BadGenerateRequest(f"generate: bad number ({exc})") from None
    if params.get("adapter"):
        options["adapter"] = str(params["adapter"])
    if params.get("stop"):
        options["stop"] = [str(s) for s in params["stop"]]
    constraint = params.get("constraint")
    if constraint:
        if not isinstance(constraint, dict) or constraint.get("kind") not in ("json_schema", "lark_grammar", "regex"):
            raise BadGenerateRequest("generate: 'constraint' must be {\"kind\": json_schema|lark_grammar|regex, "
                                     "\"data\": str}")
        options["constraint"] = Constraint(constraint["kind"], str(constraint.get("data", "")))
    return messages, options


class GenerationService:
    """Warm generators per model for one home (owned by the daemon)."""

    def __init__(self, home: Any, threads: int | None = None) -> None:
        self.home = home
        self.threads = threads
        self._lock = threading.Lock()
        self._models: dict[str, tuple[Any, Any]] = {}  # name -> (generator, adapter manager)
        self._turns: dict[str, FifoTurns] = {}

    def _resolve(self, name: str | None) -> str:
        from runtime.model_store import ModelStore

        return name or ModelStore.for_home(self.home).default_name()

    def turns(self, model: str) -> FifoTurns:
        with self._lock:
            return self._turns.setdefault(model, FifoTurns())

    def generator(self, model: str) -> Any:
        """The warm generator for ``model`` (loaded on first use; call only while holding its turn)."""
        entry = self._models.get(model)
        if entry is None:
            from runtime.adapter_manager import provider_for
            from runtime.generator import load_generator

            manager = provider_for(self.home, model)
            entry = (load_generator(self.home, model, adapter_provider=manager, threads=self.threads), manager)
            self._models[model] = entry
        return entry[0]

    def stream(self, params: dict[str, Any], disconnected: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        """The streamed items of one ``generate`` request (see the module docstring)."""
        from runtime.generator import GenerationResult, TokenChunk

        messages, options = parse_request(params)
        model = self._resolve(params.get("model"))
        turns = self.turns(model)
        ahead = turns.ahead()
        if ahead:
            yield {"queued": ahead}
        if not turns.acquire(disconnected):
            return
        items = None
        try:
            items = self.generator(model).stream(messages, **options)
            for item in items:
                if isinstance(item, TokenChunk):
                    yield {"text": item.text}
                    if disconnected():
                        return
                elif isinstance(item, GenerationResult):
                    yield {"result": item.to_json()}
        finally:
            if items is not None:
                items.close()  # GeneratorExit inside the model's loop: the generation stops here
            turns.release()

    def close(self) -> None:
        """Release every onnxruntime-genai object now: freed after the library's own teardown at interpreter
        exit, they abort the process ("terminate called without an active exception")."""
        with self._lock:
            for generator, manager in self._models.values():
                if manager is not None:
                    manager.close()
                for attribute, value in list(vars(generator).items()):
                    if type(value).__module__.startswith("onnxruntime_genai"):
                        setattr(generator, attribute, None)
            self._models.clear()
