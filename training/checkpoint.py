"""Resumable training state: the LoRA weights, optimizer, step and RNG, written atomically.

A checkpoint belongs to one training configuration (its fingerprint); a run with a different
configuration refuses to resume from it instead of mixing the two.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import torch

from training.errors import TrainingError

STATE_FILE = "state.pt"
META_FILE = "meta.json"


def fingerprint(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def save(folder: Path, *, step: int, trainable: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer,
         config: dict[str, Any], losses: list[float]) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save({"step": step, "trainable": trainable, "optimizer": optimizer.state_dict(), "losses": losses,
                "torch_rng": torch.get_rng_state(), "py_rng": random.getstate()}, tmp / STATE_FILE)
    (tmp / META_FILE).write_text(json.dumps({"step": step, "fingerprint": fingerprint(config), "config": config},
                                            default=str, indent=1))
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def load(folder: Path, config: dict[str, Any]) -> dict[str, Any] | None:
    """The saved state, or None when there is no checkpoint. A checkpoint of another config is an error."""
    if not (folder / META_FILE).is_file():
        old = folder.with_name(folder.name + ".old")  # a crash between the two renames in `save`
        if (old / META_FILE).is_file():
            folder = old
        else:
            return None
    meta = json.loads((folder / META_FILE).read_text())
    if meta.get("fingerprint") != fingerprint(config):
        raise TrainingError(f"{folder} holds a checkpoint of a different training run; remove it or use another output")
    return torch.load(folder / STATE_FILE, weights_only=False)
