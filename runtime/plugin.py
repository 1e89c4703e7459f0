"""The runtime's built-ins, registered through the plugin hooks: the onnxruntime-genai language-model backend
(``register_generators``, over the home's installed models) and the daemon's streaming ``generate`` method
(``register_daemon_methods``, runtime/generation_service.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kith.plugins import hookimpl

BUILTIN_GENERATOR = "onnxruntime-genai"


def _onnxruntime_genai(home: Any, model: str | None = None, **options: Any) -> Any:
    from runtime.generator import load_generator

    return load_generator(home, model, **options)


@hookimpl
def register_generators(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register(BUILTIN_GENERATOR, _onnxruntime_genai)


def _generate_method(home: Any) -> Callable[[dict[str, Any]], Any]:
    """The daemon's ``generate``: warm models and adapters, FIFO per model, streamed; nothing loads until used."""
    from indexer.daemon.server import Streaming
    from runtime.generation_service import GenerationService

    service = GenerationService(home)

    def generate(params: dict[str, Any]) -> Any:
        return Streaming(lambda disconnected: service.stream(params, disconnected))

    generate.close = service.close  # type: ignore[attr-defined]
    return generate


@hookimpl
def register_daemon_methods(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    register("generate", _generate_method)
