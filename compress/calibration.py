"""Calibration data: tokenized windows of a text file, activation statistics and the diagonal Fisher.

Activation statistics give each input column of a linear layer the importance E[x_j^2] (the
output error of a weight change is about sum_j dW_ij^2 E[x_j^2]); the full input Hessians E[x x^T]
drive OPTQ error compensation (`compress.compensate`); the diagonal Fisher gives each weight the mean
squared gradient of the language-model loss (sensitive k-means).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from torch import nn

from compress.errors import CompressionError

Progress = Callable[[str, int, int], None]


def read_windows(path: str | Path, tokenizer, seq_len: int = 256, max_windows: int = 32) -> list[torch.Tensor]:
    """Token windows (each [1, seq_len] or shorter for a short text) from a UTF-8 text file."""
    file = Path(path)
    if not file.is_file():
        raise CompressionError(f"calibration text {path}: no such file")
    text = file.read_text(encoding="utf-8", errors="replace")
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) < 16:
        raise CompressionError(f"calibration text {path} has {len(ids)} tokens; give at least a paragraph")
    windows = [ids[i:i + seq_len] for i in range(0, len(ids), seq_len)][:max_windows]
    return [torch.tensor([w]) for w in windows if len(w) >= 8]


def _forward(model: nn.Module, window: torch.Tensor, with_labels: bool):
    kwargs = {"input_ids": window, "attention_mask": torch.ones_like(window)}
    if with_labels:
        kwargs["labels"] = window
    return model(**kwargs)


def _input_sums(model: nn.Module, windows: list[torch.Tensor], names: list[str], reduce, label: str,
                progress: Progress | None) -> dict[str, torch.Tensor]:
    """`reduce(x)` summed over every calibration token's input to each named nn.Linear, divided by the count."""
    modules = dict(model.named_modules())
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    hooks = []

    def hook_for(name: str):
        def hook(_module, inputs, _output):
            x = inputs[0].detach().reshape(-1, inputs[0].shape[-1]).to(torch.float32)
            sums[name] = sums.get(name, 0) + reduce(x)
            counts[name] = counts.get(name, 0) + x.shape[0]
        return hook

    for name in names:
        if isinstance(modules[name], nn.Linear):
            hooks.append(modules[name].register_forward_hook(hook_for(name)))
    try:
        with torch.no_grad():
            for i, window in enumerate(windows):
                _forward(model, window, with_labels=False)
                if progress:
                    progress(label, i + 1, len(windows))
    finally:
        for h in hooks:
            h.remove()
    return {name: sums[name] / counts[name] for name in sums}


def activation_stats(model: nn.Module, windows: list[torch.Tensor], names: list[str],
                     progress: Progress | None = None) -> dict[str, torch.Tensor]:
    """E[x^2] per input feature of each named nn.Linear, over every calibration token ([1, in])."""
    stats = _input_sums(model, windows, names, lambda x: (x * x).sum(dim=0), "activation statistics", progress)
    return {name: value.reshape(1, -1) for name, value in stats.items()}


def input_hessians(model: nn.Module, windows: list[torch.Tensor], names: list[str],
                   progress: Progress | None = None) -> dict[str, torch.Tensor]:
    """E[x x^T] over the inputs of each named nn.Linear ([in, in]): the Hessian of its squared output error
    (OPTQ error compensation). Its diagonal is `activation_stats`."""
    return _input_sums(model, windows, names, lambda x: x.T @ x, "input Hessians", progress)


def fisher_diagonal(model: nn.Module, windows: list[torch.Tensor], names: list[str],
                    progress: Progress | None = None) -> dict[str, torch.Tensor]:
    """Mean squared gradient of the causal-LM loss for each named module's weight."""
    modules = dict(model.named_modules())
    weights = {name: modules[name].weight for name in names}
    previous = {n: p.requires_grad for n, p in model.named_parameters()}
    for p in model.parameters():
        p.requires_grad_(False)
    for w in weights.values():
        w.requires_grad_(True)
    fisher = {name: torch.zeros_like(w) for name, w in weights.items()}
    try:
        for i, window in enumerate(windows):
            model.zero_grad(set_to_none=True)
            _forward(model, window, with_labels=True).loss.backward()
            for name, w in weights.items():
                if w.grad is not None:
                    fisher[name] += w.grad.detach() ** 2
            if progress:
                progress("Fisher information", i + 1, len(windows))
    finally:
        model.zero_grad(set_to_none=True)
        for n, p in model.named_parameters():
            p.requires_grad_(previous[n])
    return {name: f / len(windows) for name, f in fisher.items()}
