"""The built-in language-model backend registered through the ``register_generators`` hook:
onnxruntime-genai over the home's installed models (runtime.generator.load_generator)."""
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
