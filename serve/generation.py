"""The server's side of text generation: which generator serves a ``model`` id (``smollm2`` or
``smollm2:ADAPTER``, vLLM's multi-LoRA convention), one generation at a time per generator, and a
count of generations in flight so a client that hangs up can be checked to have stopped its own.

Streaming runs the generator's ``stream`` iterator in a worker thread and hands chunks to the event
loop; when the client disconnects the consumer sets a cancel flag, the worker closes the iterator
(which cancels the generation in the runtime) and the active count drops.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.home import KithHome
from serve.errors import ApiError

Loader = Callable[[KithHome, str], Any]

_DONE = object()


def split_model_id(model: str) -> tuple[str, str | None]:
    """``smollm2:summarize`` -> ("smollm2", "summarize"); ``smollm2`` -> ("smollm2", None)."""
    if not isinstance(model, str) or not model.strip():
        raise ApiError(400, "'model' must be a non-empty string such as 'smollm2' or 'smollm2:summarize'",
                       "bad_model")
    base, _, adapter = model.strip().partition(":")
    if not base or (_ and not adapter):
        raise ApiError(400, f"model {model!r} is not 'BASE' or 'BASE:ADAPTER'", "bad_model")
    return base, adapter or None


def default_loader(home: KithHome, name: str) -> Any:
    """``runtime.load_generator`` with the home's adapter manager (adapters are chosen per request)."""
    from runtime.adapters import adapter_provider_for
    from runtime.generator import load_generator

    return load_generator(home, name, adapter_provider=adapter_provider_for(home, name))


@dataclass
class _Loaded:
    generator: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


class GenerationPool:
    def __init__(self, home: KithHome, loader: Loader | None = None) -> None:
        self.home = home
        self.loader = loader or default_loader
        self._loaded: dict[str, _Loaded] = {}
        self._guard = threading.Lock()
        self._count_lock = threading.Lock()
        self.active = 0
        self.cancelled = 0
        self.completed = 0
        self.last_stream_tokens = 0  # chunks the last stream produced before it ended or was cancelled

    def _get(self, base: str) -> _Loaded:
        with self._guard:
            if base not in self._loaded:
                try:
                    self._loaded[base] = _Loaded(self.loader(self.home, base))
                except ImportError as exc:
                    raise ApiError(503, f"the on-device model runtime is not available ({exc})", "no_runtime") from None
                except Exception as exc:
                    code = getattr(exc, "code", None)
                    if code is None:
                        raise
                    raise ApiError(404 if code == "model_not_found" else 400, str(exc), code) from None
            return self._loaded[base]

    def generator(self, model: str) -> tuple[Any, str | None]:
        base, adapter = split_model_id(model)
        generator = self._get(base).generator
        if adapter is not None and getattr(generator, "adapter_provider", True) is None:
            raise ApiError(404, f"model {model!r}: {base!r} has no adapters installed (`kith adapter list`); "
                           f"use {base!r} without ':{adapter}'", "adapter_unavailable")
        return generator, adapter

    def installed_models(self) -> list[str]:
        """Model ids for /v1/models: each installed base model and each of its adapters."""
        from runtime.adapters import list_adapters
        from runtime.model_store import ModelStore

        try:
            store = ModelStore.for_home(self.home)
            names = [m.name for m in store.list()]
        except Exception:
            return []
        ids = list(names)
        for name in names:
            try:
                ids += [f"{name}:{a}" for a in list_adapters(self.home, name)]
            except Exception:
                continue
        return ids

    def _count(self, delta: int, cancelled: bool = False) -> None:
        with self._count_lock:
            self.active += delta
            if delta < 0:
                if cancelled:
                    self.cancelled += 1
                else:
                    self.completed += 1

    def generate(self, model: str, messages: Sequence[dict[str, str]], **options: Any) -> Any:
        generator, adapter = self.generator(model)
        loaded = self._get(split_model_id(model)[0])
        with loaded.lock:
            self._count(+1)
            try:
                return _runtime_call(lambda: generator.generate(list(messages), adapter=adapter, **options))
            finally:
                self._count(-1)

    async def stream(self, model: str, messages: Sequence[dict[str, str]], **options: Any) -> AsyncIterator[Any]:
        """Chunks (``TokenChunk``) then one ``GenerationResult``; stops the generation if the consumer
        goes away (the async generator is closed or cancelled)."""
        generator, adapter = self.generator(model)
        loaded = self._get(split_model_id(model)[0])
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            with loaded.lock:
                self._count(+1)
                stopped = False
                produced = 0
                try:
                    iterator = generator.stream(list(messages), adapter=adapter, **options)
                    try:
                        for item in iterator:
                            if cancel.is_set():
                                stopped = True
                                break
                            produced += 1
                            put(item)
                    finally:
                        close = getattr(iterator, "close", None)
                        if close is not None:
                            close()
                except Exception as exc:  # delivered to the consumer, re-raised there
                    put(exc)
                finally:
                    self.last_stream_tokens = produced
                    self._count(-1, cancelled=stopped)
                    put(_DONE)

        worker = threading.Thread(target=work, name="kith-serve-generation", daemon=True)
        worker.start()
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    _raise_api(item)
                yield item
        finally:
            cancel.set()


def _raise_api(exc: BaseException) -> None:
    code = getattr(exc, "code", None)
    if code is not None:
        raise ApiError(400, str(exc), code) from None
    raise exc


def _runtime_call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        _raise_api(exc)
        raise
