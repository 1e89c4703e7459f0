"""Hugging Face folder -> fp32 ONNX graph for onnxruntime-genai, with the genai model builder.

The builder runs in a subprocess: it prints a lot, holds every weight in memory at once, and an interrupted
build must not leave a half-initialised interpreter behind. Notes from measurement (onnxruntime-genai 0.18):
``int4_block_size``/``int4_accuracy_level`` are ignored (the real keys are ``block_size``/``accuracy_level``),
and it needs ``onnx-ir``. We build fp32 here and quantize afterwards (``runtime.quantize``), so the same fp32
graph also serves the adapter variant and the fp32 parity tests.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from runtime.errors import BadModelSource

HF_REQUIRED = ("config.json", "tokenizer.json", "tokenizer_config.json")
SUPPORTED_HF_ARCHITECTURES = ("LlamaForCausalLM",)


def check_hf_folder(folder: Path) -> dict[str, Any]:
    """Validate a local Hugging Face folder; return its config. ``BadModelSource`` names what is missing."""
    if not folder.is_dir():
        raise BadModelSource(f"{folder} is not a folder")
    missing = [name for name in HF_REQUIRED if not (folder / name).is_file()]
    weights = list(folder.glob("*.safetensors")) + list(folder.glob("pytorch_model*.bin"))
    if not weights:
        missing.append("model.safetensors")
    if missing:
        raise BadModelSource(f"{folder} is not a complete Hugging Face model folder: missing {', '.join(missing)}")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BadModelSource(f"{folder}/config.json is unreadable: {exc}") from exc
    archs = config.get("architectures") or []
    if not any(arch in SUPPORTED_HF_ARCHITECTURES for arch in archs):
        raise BadModelSource(f"{folder}: architecture {archs} is not supported (supported: {', '.join(SUPPORTED_HF_ARCHITECTURES)})")
    return config


def build_fp32(hf_dir: Path, out_dir: Path, cache_dir: Path, extra_options: dict[str, Any] | None = None,
               timeout_s: float = 3600) -> Path:
    """Run the builder (fp32, CPU) on ``hf_dir`` into ``out_dir``; return ``out_dir/model.onnx``."""
    options = {"hf_remote": "false", **(extra_options or {})}
    command = [
        sys.executable, "-m", "onnxruntime_genai.models.builder",
        "-i", str(hf_dir), "-o", str(out_dir), "-p", "fp32", "-e", "cpu", "-c", str(cache_dir),
        "--extra_options", *[f"{key}={value}" for key, value in options.items()],
    ]
    env = {**__import__("os").environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
    if proc.returncode != 0 or not (out_dir / "model.onnx").is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise BadModelSource(f"the onnxruntime-genai builder failed on {hf_dir}: {' | '.join(tail)}")
    return out_dir / "model.onnx"


def set_search_defaults(onnx_dir: Path, *, context_length: int | None = None) -> None:
    """Greedy by default, and the context length kith enforces (genai_config's search.max_length)."""
    path = onnx_dir / "genai_config.json"
    config = json.loads(path.read_text())
    search = config.setdefault("search", {})
    search.update({"do_sample": False, "num_beams": 1, "past_present_share_buffer": True})
    if context_length:
        search["max_length"] = int(context_length)
        config["model"]["context_length"] = int(context_length)
    path.write_text(json.dumps(config, indent=4) + "\n")
