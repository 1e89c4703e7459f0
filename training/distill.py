"""Accuracy-recovery adapters: a LoRA on the frozen compressed model, distilled from the reference
model's next-token distributions (KL divergence) on calibration text.

The student is the compressed model's folder (its decompressed weights, as `kith compress` writes
it); the teacher is the reference folder. Both must share a tokenizer. The held-out windows (not
trained on) give the distillation loss before and after, which is what the adapter must lower.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from training.errors import TrainingError
from training.lora_trainer import LoraSettings, Progress, attach_lora, train


def _load_causal_lm(folder: str | Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (Path(folder) / "config.json").is_file():
        raise TrainingError(f"{folder} is not a model folder (no config.json)")
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(str(folder))


def calibration_windows(path: str | Path, tokenizer, seq_len: int) -> list[torch.Tensor]:
    file = Path(path)
    if not file.is_file():
        raise TrainingError(f"calibration text {path}: no such file")
    ids = tokenizer(file.read_text(encoding="utf-8", errors="replace"), add_special_tokens=False)["input_ids"]
    windows = [ids[i:i + seq_len] for i in range(0, len(ids) - seq_len + 1, seq_len)]
    if len(windows) < 2:
        raise TrainingError(f"calibration text {path} is too short: need at least {2 * seq_len} tokens")
    return [torch.tensor(w) for w in windows]


def kl_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
    """Mean per-token KL(teacher || student)."""
    vocab = student_logits.shape[-1]
    s = F.log_softmax(student_logits.reshape(-1, vocab).float(), dim=-1)
    t = F.log_softmax(teacher_logits.reshape(-1, vocab).float(), dim=-1)
    return F.kl_div(s, t, log_target=True, reduction="batchmean")


def distillation_loss(student, teacher, windows: list[torch.Tensor], batch_size: int = 4) -> float:
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(windows), batch_size):
            batch = torch.stack(windows[i:i + batch_size])
            total += float(kl_loss(student(batch).logits, teacher(batch).logits)) * len(batch)
            count += len(batch)
    return total / max(count, 1)


def train_recovery(model_dir: str | Path, teacher_dir: str | Path, calibration: str | Path, out_dir: str | Path,
                   settings: LoraSettings, *, seq_len: int = 128, batch_size: int = 4, heldout: int = 4,
                   start_from: str | Path | None = None, progress: Progress | None = None,
                   stage: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Trains the recovery adapter into `out_dir` (a PEFT folder) and returns before/after losses."""
    say = stage or (lambda _m: None)
    say("loading the compressed model and its reference")
    student, tokenizer = _load_causal_lm(model_dir)
    teacher, teacher_tokenizer = _load_causal_lm(teacher_dir)
    if teacher_tokenizer.get_vocab() != tokenizer.get_vocab():
        raise TrainingError(f"{model_dir} and {teacher_dir} have different tokenizers; distillation needs the same one")
    windows = calibration_windows(calibration, tokenizer, seq_len)
    heldout = min(heldout, max(1, len(windows) // 5))
    test, train_windows = windows[:heldout], windows[heldout:]
    say(f"{len(train_windows)} training and {len(test)} held-out windows of {seq_len} tokens")
    before = distillation_loss(student, teacher, test, batch_size)
    model = attach_lora(student, settings, start_from)
    generator = torch.Generator().manual_seed(settings.seed)

    def step_loss(step: int) -> torch.Tensor:
        picks = torch.randint(len(train_windows), (batch_size,), generator=generator).tolist()
        batch = torch.stack([train_windows[i] for i in picks])
        with torch.no_grad():
            target = teacher(batch).logits
        return kl_loss(model(input_ids=batch).logits, target)

    config = {"kind": "recovery", "model": str(model_dir), "teacher": str(teacher_dir), "calibration": str(calibration),
              "seq_len": seq_len, "batch_size": batch_size, "heldout": heldout, "from": str(start_from)}
    result = train(model, step_loss, settings, Path(out_dir), config, progress)
    model.eval()
    after = distillation_loss(model, teacher, test, batch_size)
    summary = {"heldout_kl_before": before, "heldout_kl_after": after, **{k: v for k, v in result.items() if k != "losses"},
               "first_losses": result["losses"][:5], "last_losses": result["losses"][-5:]}
    (Path(out_dir) / "kith_training.json").write_text(json.dumps({**config, **summary}, indent=1, default=str))
    return summary
