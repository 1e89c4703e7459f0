"""Perplexity of an installed model (optionally with an adapter) over a text, in fixed windows.

The text is tokenized once; it is cut into consecutive non-overlapping windows of ``window`` tokens and each
window is scored from scratch (no carried-over context), so the number depends only on the token ids, the window
and the weights. ``reference_perplexity`` scores the same ids with transformers on the fp32 Hugging Face folder
(for an imported GGUF that is the dequantized GGUF), which is what the int4 graph is compared against.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_WINDOW = 512


@dataclass
class PerplexityResult:
    perplexity: float
    tokens_scored: int
    windows: int
    window: int
    model: str
    adapter: str | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _window_nll(logits: np.ndarray, ids: np.ndarray) -> float:
    """Summed negative log-likelihood of ids[1:] given logits[:-1] (float64 log-softmax)."""
    scores = logits[:-1].astype(np.float64)
    top = scores.max(-1, keepdims=True)
    log_norm = np.log(np.exp(scores - top).sum(-1)) + top[:, 0]
    return float((log_norm - scores[np.arange(len(ids) - 1), ids[1:]]).sum())


def windows_of(ids: Sequence[int], window: int) -> list[np.ndarray]:
    array = np.asarray(ids, dtype=np.int32)
    return [array[i:i + window] for i in range(0, len(array) - 1, window) if len(array[i:i + window]) > 1]


def tokenize(generator: Any, text: str, max_tokens: int | None = None) -> np.ndarray:
    ids = np.asarray(generator.tokenizer.encode(text), dtype=np.int32)
    return ids[:max_tokens] if max_tokens else ids


def model_perplexity(generator: Any, ids: Sequence[int], *, window: int = DEFAULT_WINDOW,
                     adapter: str | None = None) -> PerplexityResult:
    """Perplexity under an ``OrtGenerator`` (the graph generation runs), via the graph's full logits output."""
    import onnxruntime_genai as og

    window = min(window, generator.context_length)
    started = time.perf_counter()
    model, adapters, key = generator._model_for(adapter)
    nll, count, chunks = 0.0, 0, windows_of(ids, window)
    for chunk in chunks:
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=len(chunk) + 1, batch_size=1)
        gen = og.Generator(model, params)
        if adapters is not None:
            gen.set_active_adapter(adapters, key)
        gen.append_tokens(chunk)
        logits = np.asarray(gen.get_output("logits"))[0]
        del gen
        nll += _window_nll(logits, chunk)
        count += len(chunk) - 1
    return PerplexityResult(math.exp(nll / max(count, 1)), count, len(chunks), window, generator.name, adapter,
                            time.perf_counter() - started)


def torch_perplexity(model: Any, ids: Sequence[int], *, window: int = DEFAULT_WINDOW, label: str = "torch",
                     adapter: str | None = None) -> PerplexityResult:
    """The same windows scored by an already loaded transformers causal LM (for example one with a PEFT adapter)."""
    import torch

    started = time.perf_counter()
    nll, count, chunks = 0.0, 0, windows_of(ids, window)
    with torch.no_grad():
        for chunk in chunks:
            logits = model(torch.from_numpy(chunk.astype(np.int64))[None]).logits[0].float().numpy()
            nll += _window_nll(logits, chunk)
            count += len(chunk) - 1
    return PerplexityResult(math.exp(nll / max(count, 1)), count, len(chunks), window, label, adapter,
                            time.perf_counter() - started)


def reference_perplexity(hf_dir: Path, ids: Sequence[int], *, window: int = DEFAULT_WINDOW, threads: int = 2) -> PerplexityResult:
    """The same windows scored by transformers (fp32) on a Hugging Face folder."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    started = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32).eval()
    result = torch_perplexity(model, ids, window=window, label=f"transformers:{hf_dir}")
    result.seconds = time.perf_counter() - started
    return result


def scifact_text(corpus_dir: Path, limit_chars: int = 200_000) -> str:
    """Concatenated SciFact abstracts (title + text), the English text the measurements use."""
    parts, size = [], 0
    with open(corpus_dir / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            part = f"{doc.get('title', '')}\n{doc.get('text', '')}\n\n"
            parts.append(part)
            size += len(part)
            if size >= limit_chars:
                break
    return "".join(parts)


if __name__ == "__main__":  # python -m runtime.perplexity ../shared/corpora/ir-beir-scifact > scifact.txt
    import sys

    sys.stdout.write(scifact_text(Path(sys.argv[1])))
