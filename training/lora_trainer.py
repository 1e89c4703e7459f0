"""The LoRA training loop every kith adapter shares: PEFT on the CPU, a progress bar, a checkpoint
every few steps (Ctrl-C or a crash resumes from the last one), and the finished adapter written
atomically as a PEFT folder (adapter_config.json + adapter_model.safetensors)."""
from __future__ import annotations

import os
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from training import checkpoint
from training.errors import TrainingError

LLAMA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
Progress = Callable[[int, int, float], None]
SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class LoraSettings:
    """Rank 16 on every attention and MLP projection by default (Apple's recovery adapters use rank 16)."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0
    targets: tuple[str, ...] = LLAMA_TARGETS
    learning_rate: float = 5e-4
    schedule: str = "constant"  # or "linear": a warmup, then a linear decay to zero (`learning_rate_at`)
    warmup_share: float = 0.06
    steps: int = 200
    checkpoint_every: int = 10
    seed: int = 0


def learning_rate_at(step: int, settings: LoraSettings) -> float:
    """The learning rate of optimizer step `step` (0-based). A function of the step alone, so a resumed run
    continues the schedule exactly where the checkpoint left it."""
    if settings.schedule not in SCHEDULES:
        raise TrainingError(f"schedule {settings.schedule!r} is not one of {', '.join(SCHEDULES)}")
    if settings.schedule == "constant":
        return settings.learning_rate
    warmup = max(1, round(settings.steps * settings.warmup_share))
    if step < warmup:
        return settings.learning_rate * (step + 1) / warmup
    return settings.learning_rate * max(0.0, settings.steps - step) / max(1, settings.steps - warmup)


def attach_lora(model: nn.Module, settings: LoraSettings, start_from: str | Path | None = None) -> nn.Module:
    """Wraps `model` with trainable LoRA weights, new or continued from a PEFT folder."""
    from peft import LoraConfig, PeftModel, get_peft_model

    for p in model.parameters():
        p.requires_grad_(False)
    if start_from is not None:
        if not (Path(start_from) / "adapter_config.json").is_file():
            raise TrainingError(f"{start_from} is not a PEFT adapter folder (no adapter_config.json)")
        return PeftModel.from_pretrained(model, str(start_from), is_trainable=True)
    present = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    targets = [t for t in settings.targets if t in present]
    if not targets:
        raise TrainingError(f"none of the LoRA targets {', '.join(settings.targets)} are linear layers of this model")
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=targets, bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def train(model: nn.Module, step_loss: Callable[[int], torch.Tensor], settings: LoraSettings, out_dir: Path,
          config: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Runs `settings.steps` optimizer steps of `step_loss(step)` and saves the adapter to `out_dir`."""
    out_dir = Path(out_dir)
    learning_rate_at(0, settings)  # an unknown schedule fails before any work
    if out_dir.exists():
        raise TrainingError(f"{out_dir} already exists; remove it or choose another name")
    run_config = {**config, "lora": asdict(settings)}
    ckpt = out_dir.with_name(out_dir.name + ".checkpoint")
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    optimizer = torch.optim.AdamW(trainable.values(), lr=settings.learning_rate, weight_decay=0.0)
    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    start, losses = 0, []
    state = checkpoint.load(ckpt, run_config)
    if state is not None:
        with torch.no_grad():
            for name, value in state["trainable"].items():
                trainable[name].copy_(value)
        optimizer.load_state_dict(state["optimizer"])
        start, losses = state["step"], state["losses"]
        torch.set_rng_state(state["torch_rng"])
        random.setstate(state["py_rng"])
    model.train()
    began = time.perf_counter()
    step = start
    try:
        for step in range(start, settings.steps):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate_at(step, settings)
            loss = step_loss(step)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable.values(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            if progress:
                progress(step + 1, settings.steps, losses[-1])
            if (step + 1) % settings.checkpoint_every == 0 and step + 1 < settings.steps:
                _save(ckpt, step + 1, trainable, optimizer, run_config, losses)
    except KeyboardInterrupt:
        _save(ckpt, step, trainable, optimizer, run_config, losses)
        raise
    model.eval()
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    os.replace(tmp, out_dir)
    shutil.rmtree(ckpt, ignore_errors=True)
    return {"steps": settings.steps, "resumed_from": start, "losses": losses, "seconds": time.perf_counter() - began}


def _save(ckpt: Path, step: int, trainable: dict[str, nn.Parameter], optimizer, config, losses) -> None:
    checkpoint.save(ckpt, step=step, trainable={n: p.detach().clone() for n, p in trainable.items()},
                    optimizer=optimizer, config=config, losses=losses)
