"""The onnxruntime-genai ``TextGenerator``: chat template, guidance (constrained decoding), streaming, adapters.

One ``OrtGenerator`` holds one loaded ``og.Model`` (the plain int4 graph). A request naming an adapter runs on
the model and ``og.Adapters`` an ``AdapterProvider`` hands back (the LoRA-capable graph); with no adapter the
plain graph runs, which decodes faster because its QKV and gate/up projections stay fused.
Greedy requests reuse the prefilled state of the previous one where their token prefixes agree
(`runtime.prefix_cache`), and a grammar's forced tokens are appended in one pass (guidance fast-forward).
Not thread-safe: callers serialise requests (the daemon queues them).
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from runtime.errors import AdapterUnavailable, BadConstraint, CorruptModel, GenerationFailed, PromptTooLong
from runtime.prefix_cache import PrefixCache
from runtime.generator import AdapterProvider, Constraint, GenerationResult, Message, TokenChunk


def _og() -> Any:
    import onnxruntime_genai as og

    og.disable_telemetry_events()
    return og


def load_og_model(onnx_dir: Path, threads: int = 2) -> Any:
    """An ``og.Model`` on the CPU with ``threads`` intra-op threads.

    genai_config's session_options in onnxruntime-genai 0.18 reject ``config_entries``, so
    ``session.intra_op.allow_spinning`` cannot be set from here (see docs/MEASUREMENTS.md, runtime section).
    """
    og = _og()
    try:
        config = og.Config(str(onnx_dir))
        config.clear_providers()
        config.overlay(json.dumps({"model": {"decoder": {"session_options": {
            "intra_op_num_threads": int(threads), "inter_op_num_threads": 1,
        }}}}))
        return og.Model(config)
    except Exception as exc:  # og raises plain RuntimeError for missing/corrupt files
        raise CorruptModel(f"cannot load the model in {onnx_dir}: {exc}") from exc


def read_chat_template(onnx_dir: Path) -> str | None:
    """The chat template from the tokenizer config (``chat_template`` key or ``chat_template.jinja``)."""
    config_path = onnx_dir / "tokenizer_config.json"
    if config_path.is_file():
        template = json.loads(config_path.read_text()).get("chat_template")
        if isinstance(template, str):
            return template
    jinja = onnx_dir / "chat_template.jinja"
    return jinja.read_text() if jinja.is_file() else None


FF_HEADROOM = 64  # tokens kept free for one fast-forwarded chunk of a grammar (a JSON key is a few tokens)


def _log_softmax_at(logits: np.ndarray, token: int) -> float:
    row = logits.astype(np.float64, copy=False)
    top = row.max()
    return float(row[token] - top - math.log(np.exp(row - top).sum()))


class OrtGenerator:
    """``TextGenerator`` on onnxruntime-genai."""

    def __init__(self, onnx_dir: str | Path, *, name: str | None = None, adapter_provider: AdapterProvider | None = None,
                 threads: int = 2, prefix_cache: int = 2, prefix_window: int = 2048, fast_forward: bool = True) -> None:
        self.onnx_dir = Path(onnx_dir)
        self.name = name or self.onnx_dir.parent.name
        self.adapter_provider = adapter_provider
        self.model = load_og_model(self.onnx_dir, threads)
        og = _og()
        self.tokenizer = og.Tokenizer(self.model)
        self.chat_template = read_chat_template(self.onnx_dir)
        genai = json.loads((self.onnx_dir / "genai_config.json").read_text())
        self.context_length = int(genai["model"].get("context_length") or genai["search"]["max_length"])
        self.eos_ids = set(np.asarray(self.tokenizer.eos_token_ids).tolist())
        self.prefix_cache = PrefixCache(prefix_cache)
        # a grammar's forced tokens (`"kind":` after `"query":"..."`) are appended in one pass, not decoded one by one
        self.fast_forward = fast_forward
        self.prefix_window = min(int(prefix_window), self.context_length)

    # -- prompt ---------------------------------------------------------------------------------------
    def render(self, messages: Sequence[Message]) -> str:
        payload = json.dumps([{"role": m["role"], "content": m["content"]} for m in messages])
        if self.chat_template is None:
            return "\n".join(m["content"] for m in messages)
        return self.tokenizer.apply_chat_template(payload, template_str=self.chat_template, add_generation_prompt=True)

    def encode(self, messages: Sequence[Message]) -> np.ndarray:
        return np.asarray(self.tokenizer.encode(self.render(messages)), dtype=np.int32)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return int(self.encode(messages).shape[0])

    # -- generation -----------------------------------------------------------------------------------
    def generate(self, messages: Sequence[Message], **options: Any) -> GenerationResult:
        result: GenerationResult | None = None
        for item in self.stream(messages, **options):
            if isinstance(item, GenerationResult):
                result = item
        assert result is not None
        return result

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
        og = _og()
        started = time.perf_counter()
        model, adapters, adapter_key = self._model_for(adapter)
        activated = time.perf_counter()
        ids = self.encode(messages)
        prompt_tokens = int(ids.shape[0])
        if prompt_tokens >= self.context_length:
            raise PromptTooLong(prompt_tokens, self.context_length)
        budget = max(1, min(int(max_tokens), self.context_length - prompt_tokens))
        # fast-forward appends a grammar's forced tokens in chunks, past the step budget: keep room for one
        fast_forward = (self.fast_forward and constraint is not None
                        and prompt_tokens + budget + FF_HEADROOM <= self.context_length)
        headroom = FF_HEADROOM if fast_forward else 0
        greedy = not (temperature and temperature > 0)
        sampling = {"do_sample": False} if greedy else {"do_sample": True, "temperature": float(temperature),
                                                         "top_p": float(top_p), "top_k": 0}
        if seed is not None:
            sampling["random_seed"] = int(seed)

        def new_generator() -> Any:
            params = og.GeneratorParams(model)
            params.set_search_options(max_length=max_length, batch_size=1, **sampling)
            if constraint is not None:
                try:
                    params.set_guidance(constraint.kind, constraint.data, enable_ff_tokens=fast_forward)
                except Exception as exc:
                    raise BadConstraint(f"the {constraint.kind} constraint cannot be used: {exc}") from exc
            generator = og.Generator(model, params)
            if adapters is not None:
                generator.set_active_adapter(adapters, adapter_key)
            return generator

        cache_key = None
        if greedy and self.prefix_cache.capacity and prompt_tokens + budget + headroom <= self.prefix_window:
            # the objects themselves, not their ids: an entry keeps its model and adapters alive
            cache_key = (model, adapters, adapter_key, constraint.kind if constraint else None,
                         constraint.data if constraint else None, fast_forward)
        max_length = self.prefix_window if cache_key is not None else prompt_tokens + budget + headroom
        reused = 0
        entry = None
        prefill_start = time.perf_counter()
        try:
            if cache_key is not None:
                entry, reused = self.prefix_cache.take(cache_key, ids.tolist(), new_generator)
                generator = entry.generator
            else:
                generator = new_generator()
                prefill_start = time.perf_counter()
                generator.append_tokens(ids)
        except BadConstraint:
            raise
        except Exception as exc:
            raise GenerationFailed(f"generation failed during prefill: {exc}") from exc
        prefill_done = time.perf_counter()
        decoder = self.tokenizer.create_stream()
        text = ""
        emitted = 0
        token_ids: list[int] = []
        logprob_sum = 0.0
        first_token_at = 0.0
        finish = "length"
        stops = [s for s in stop if s]
        holdback = max((len(s) for s in stops), default=1) - 1
        seen = int(generator.token_count())
        sampled = 0
        try:
            while not generator.is_done() and len(token_ids) < budget and seen < max_length - headroom:
                logits = np.asarray(generator.get_logits())[0, -1]
                generator.generate_next_token()
                count = int(generator.token_count())
                chosen = int(generator.get_next_tokens()[0])
                if count == seen + 1 and chosen not in self.eos_ids:
                    new_tokens = [chosen]
                else:  # tokens the grammar forced in (fast-forward) ran in one pass before the chosen one;
                    # an end-of-sequence token is not added to the sequence
                    new_tokens = [int(t) for t in np.asarray(generator.get_sequence(0))[seen:count]]
                    if chosen in self.eos_ids:
                        new_tokens.append(chosen)
                seen = count
                if not token_ids:
                    first_token_at = time.perf_counter()
                logprob_sum += _log_softmax_at(logits, new_tokens[-1])  # forced tokens had no choice
                sampled += 1
                hit_stop = False
                for token in new_tokens:
                    if token in self.eos_ids:
                        finish, hit_stop = "stop", True
                        break
                    token_ids.append(token)
                    text += decoder.decode(token)
                if hit_stop:
                    break
                hits = [text.find(s) for s in stops if s in text]
                if hits:
                    text = text[:min(hits)]
                    finish = "stop_sequence"
                    break
                safe = len(text) - holdback  # text that may start a stop sequence is held back
                if safe > emitted:
                    yield TokenChunk(text[emitted:safe])
                    emitted = safe
            if entry is not None:  # a request that ran to its end leaves a reusable state
                self.prefix_cache.give_back(cache_key, entry)
        except GeneratorExit:
            finish = "cancelled"
            raise
        finally:
            del generator
        if len(text) > emitted:
            yield TokenChunk(text[emitted:])
        end = time.perf_counter()
        first_token_at = first_token_at or end
        yield GenerationResult(
            text=text, prompt_tokens=prompt_tokens, completion_tokens=len(token_ids), finish_reason=finish,  # type: ignore[arg-type]
            model=self.name, adapter=adapter, ttft_s=first_token_at - started, prefill_s=prefill_done - prefill_start,
            decode_s=end - first_token_at, mean_logprob=(logprob_sum / sampled) if token_ids and sampled else None,
            token_ids=token_ids, cached_tokens=reused, adapter_s=activated - started,
        )

    def branch_logprobs(self, messages: Sequence[Message], continuations: Sequence[str], *,
                        adapter: str | None = None) -> list[float]:
        """Log-probability of each continuation's first token where they diverge, after the prompt and their
        shared prefix: how strongly the model prefers each branch of a choice (one prefill, no decoding).
        `runtime.tool_calls.call_margin` uses it for a call against the explicit no-call reply."""
        og = _og()
        model, adapters, adapter_key = self._model_for(adapter)
        prompt = self.render(messages)
        encoded = [np.asarray(self.tokenizer.encode(prompt + c), dtype=np.int32) for c in continuations]
        shortest = min(len(e) for e in encoded)
        split = next((i for i in range(shortest) if len({int(e[i]) for e in encoded}) > 1), shortest)
        if split == 0 or split >= shortest:
            raise ValueError("the continuations do not diverge after a shared prefix")
        if split >= self.context_length:
            raise PromptTooLong(split, self.context_length)
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=split + 1, batch_size=1)
        generator = og.Generator(model, params)
        try:
            if adapters is not None:
                generator.set_active_adapter(adapters, adapter_key)
            generator.append_tokens(encoded[0][:split])
            logits = np.asarray(generator.get_logits())[0, -1]
        finally:
            del generator
        return [_log_softmax_at(logits, int(e[split])) for e in encoded]

    def _model_for(self, adapter: str | None) -> tuple[Any, Any, str]:
        if adapter is None:
            return self.model, None, ""
        if self.adapter_provider is None:
            raise AdapterUnavailable(f"adapter {adapter!r} requested but model {self.name!r} has no adapter support loaded")
        return self.adapter_provider.activate(adapter)
