"""Whether any offered function is about the request at all: a relevance floor in front of tool calling.

A small model decoding under a tool-call grammar fills whatever function it is given with the question's
numbers, even when the function is about something else ("area of a triangle" with a body-mass-index
function). The sentence embedder tells those apart cheaply and well: the cosine between the request and
each function's "name: description" (names split on ``_``, ``.`` and camelCase). When the best cosine is below the
floor, the call branch is closed and the reply is the explicit no call, before any decoding.

The floor is measured, not guessed: `bench/bfcl_margin.py` chooses it on held-in BFCL items and reports it
on held-out ones (docs/MEASUREMENTS.md). The embedder is passed in (`encode`: texts -> unit vectors), so
this module stays in the runtime layer; `kith eval tools` and `kith serve` hand it the index's embedder.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import numpy as np

# Chosen by bench/bfcl_margin.py on BFCL v4 items 1-100 (planner adapter v5, all-MiniLM-L6-v2): the best simple
# AST at irrelevance >= 75%.
RELEVANCE_FLOOR = 0.393
Encode = Callable[[Sequence[str]], np.ndarray]


def function_text(tool: dict[str, Any]) -> str:
    """What a function is about, in words: its name split into words, then its description."""
    name = re.sub(r"[_.]+", " ", str(tool.get("name") or ""))
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # camelCase
    return f"{name}: {' '.join(str(tool.get('description') or '').split())}".strip()


def request_text(messages: list[dict[str, str]]) -> str:
    """The request the floor measures: the last user message of a chat."""
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


def tool_relevance(encode: Encode, question: str, tools: list[dict[str, Any]]) -> float:
    """The highest cosine between ``question`` and any of ``tools`` (-1.0 when there are none)."""
    if not tools:
        return -1.0
    vectors = np.asarray(encode([question] + [function_text(t) for t in tools]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return float((vectors[1:] @ vectors[0]).max())
