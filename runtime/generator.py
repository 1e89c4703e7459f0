"""The text generation seam: the ``TextGenerator`` protocol, its result types, constraints, and ``load_generator``.

Everything that wants text from a language model (``kith generate``, the daemon, the planner, ``kith serve``)
talks to a ``TextGenerator``. The onnxruntime-genai backend (``runtime.ort_generator.OrtGenerator``) implements
it; LoRA adapters plug in through an ``AdapterProvider`` so the generator itself knows nothing about adapter
files, caches or sha256 checks.

This module imports nothing heavy: onnxruntime-genai loads only when a generator is actually created.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import onnxruntime_genai as og


class Message(TypedDict):
    """One chat turn: ``{"role": "system" | "user" | "assistant", "content": "..."}``."""

    role: str
    content: str


ConstraintKind = Literal["json_schema", "lark_grammar", "regex"]


@dataclass(frozen=True)
class Constraint:
    """Constrained decoding: the output must match a JSON Schema, a Lark grammar or a regex.

    ``kind`` is exactly the guidance type onnxruntime-genai's ``GeneratorParams.set_guidance`` takes.
    """

    kind: ConstraintKind
    data: str

    @classmethod
    def json_schema(cls, schema: dict[str, Any] | str, *, compact: bool = True) -> "Constraint":
        """``compact`` forbids free whitespace between JSON tokens (llguidance's ``x-guidance`` option): small
        models otherwise spend their token budget on legal but endless whitespace."""
        value = json.loads(schema) if isinstance(schema, str) else dict(schema)
        if compact and isinstance(value, dict) and "x-guidance" not in value:
            value["x-guidance"] = {"whitespace_flexible": False}
        return cls("json_schema", json.dumps(value))

    @classmethod
    def lark(cls, grammar: str) -> "Constraint":
        return cls("lark_grammar", grammar)

    @classmethod
    def regex(cls, pattern: str) -> "Constraint":
        return cls("regex", pattern)


FinishReason = Literal["stop", "length", "stop_sequence", "cancelled"]


@dataclass
class GenerationResult:
    """What one generation produced, with the numbers a caller needs to judge cost and confidence.

    ``mean_logprob`` is the mean natural-log probability of the tokens the model chose, under its raw
    (temperature 1, unconstrained) distribution: a cheap confidence signal for tier routing. Tokens a grammar
    forced in (fast-forward) had no choice and do not count. It is ``None`` when nothing was generated.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason
    model: str
    adapter: str | None = None
    ttft_s: float = 0.0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    mean_logprob: float | None = None
    token_ids: list[int] = field(default_factory=list, repr=False)
    cached_tokens: int = 0  # leading prompt tokens whose state was reused, not prefilled (runtime.prefix_cache)
    adapter_s: float = 0.0  # choosing the request's graph and activating its adapter (an LRU hit or a load)

    def stage_note(self, stage: str, seconds: float) -> str:
        """One line for ``--explain``: prompt length, reused prompt tokens, first token and total time of a stage
        (the format `bench/ask_llm_latency.py` reads)."""
        switch = f", adapter {self.adapter} activated in {self.adapter_s * 1000:.1f} ms" if self.adapter else ""
        return (f"{stage}: {self.prompt_tokens} prompt tokens ({self.cached_tokens} reused), first token "
                f"{self.ttft_s:.2f} s, {self.completion_tokens} tokens in {seconds:.2f} s{switch}")

    @property
    def prefill_tokens_per_s(self) -> float:
        return self.prompt_tokens / self.prefill_s if self.prefill_s > 0 else 0.0

    @property
    def decode_tokens_per_s(self) -> float:
        # the first generated token comes out of prefill; decode covers the rest
        steps = max(self.completion_tokens - 1, 0)
        return steps / self.decode_s if self.decode_s > 0 and steps else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("token_ids")
        data["prefill_tokens_per_s"] = round(self.prefill_tokens_per_s, 2)
        data["decode_tokens_per_s"] = round(self.decode_tokens_per_s, 2)
        for key in ("ttft_s", "prefill_s", "decode_s"):
            data[key] = round(data[key], 6)
        if data["mean_logprob"] is not None:
            data["mean_logprob"] = round(data["mean_logprob"], 6)
        return data


@dataclass(frozen=True)
class TokenChunk:
    """A piece of streamed text (one or more tokens, decoded so that multi-byte characters stay whole)."""

    text: str


@runtime_checkable
class TextGenerator(Protocol):
    """A chat model that turns messages into text. Implementations are not thread-safe: one call at a time."""

    name: str
    context_length: int

    def generate(
        self,
        messages: Sequence[Message],
        *,
        adapter: str | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        seed: int | None = None,
        stop: Sequence[str] = (),
        constraint: Constraint | None = None,
    ) -> GenerationResult:
        """Generate a reply. ``temperature`` 0 is greedy. Raises ``PromptTooLong`` when the prompt does not fit."""
        ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        adapter: str | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        seed: int | None = None,
        stop: Sequence[str] = (),
        constraint: Constraint | None = None,
    ) -> Iterator[TokenChunk | GenerationResult]:
        """Yield ``TokenChunk``s as text is produced, then exactly one final ``GenerationResult``.

        Closing the iterator early (``.close()`` or dropping it) cancels the generation.
        """
        ...

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Prompt length in tokens after the chat template."""
        ...


class AdapterProvider(Protocol):
    """Supplies the LoRA-capable model and a loaded adapter for one request (owned by ``runtime.adapters``).

    ``activate(name)`` returns ``(model, adapters, adapter_name)``: the ``og.Model`` to run (the LoRA graph),
    the ``og.Adapters`` holding the adapter (``None`` to run that model without an adapter), and the name to pass
    to ``Generator.set_active_adapter``. It raises a ``KithError`` (e.g. unknown adapter, changed file).
    """

    def activate(self, name: str) -> "tuple[og.Model, og.Adapters | None, str]":
        ...


def load_generator(
    home: str | os.PathLike[str] | Any,
    name: str | None = None,
    *,
    adapter_provider: AdapterProvider | None = None,
    threads: int | None = None,
) -> TextGenerator:
    """Open the installed model ``name`` (default: the home's ``[runtime] model`` or ``smollm2``) for generation.

    ``home`` is a ``KithHome`` or a path. Raises ``ModelNotFound`` or ``CorruptModel``.
    """
    from runtime.model_store import ModelStore
    from runtime.ort_generator import OrtGenerator

    store = ModelStore.for_home(home)
    model = store.get(name or store.default_name())
    return OrtGenerator(model.onnx_dir, name=model.name, adapter_provider=adapter_provider,
                        threads=threads if threads is not None else store.threads())


def home_path(home: str | os.PathLike[str] | Any) -> Path:
    """A ``KithHome``'s path or a plain path."""
    return Path(getattr(home, "path", home))
