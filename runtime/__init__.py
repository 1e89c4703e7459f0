"""kith's on-device language model runtime: import (GGUF / Hugging Face -> int4 ONNX), storage and generation.

Importing this package is cheap: the heavy parts (onnxruntime-genai, transformers, torch) load only in the
modules that need them (``runtime.ort_generator``, ``runtime.gguf_import``, ``runtime.onnx_build``).
"""
from __future__ import annotations

from runtime.generator import (
    AdapterProvider,
    Constraint,
    GenerationResult,
    Message,
    TextGenerator,
    TokenChunk,
    load_generator,
)

__all__ = [
    "AdapterProvider",
    "Constraint",
    "GenerationResult",
    "Message",
    "TextGenerator",
    "TokenChunk",
    "load_generator",
]
