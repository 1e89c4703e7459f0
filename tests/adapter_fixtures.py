"""Tiny random models and PEFT LoRAs for the adapter tests (nothing downloaded).

``lora_env`` (session) writes a tiny random llama with ``llm_fixtures.tiny_hf_model``, builds its LoRA graph in
fp32 with ``runtime.lora_graph.build_lora_graph`` (the same code the import pipeline runs), installs it as model
``tiny`` in a kith home, and writes PEFT adapters: ``a`` (rank 4, all projections), ``b`` (rank 2, q/v only),
``other`` (rank 4, trained on a wider model) and ``renamed`` (same shapes, another base model's name).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ALL_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make_peft(base_dir: Path, out_dir: Path, *, seed: int, rank: int, targets: list[str],
              base_name: str | None = None) -> Path:
    """A PEFT LoRA on ``base_dir`` with random (non-zero) A and B, saved like a trained adapter."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    peft = get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=targets, lora_dropout=0.0))
    with torch.no_grad():
        for name, parameter in peft.named_parameters():
            if "lora_" in name:
                parameter.normal_(0.0, 0.3)
    peft.save_pretrained(out_dir)
    if base_name is not None:
        config_path = out_dir / "adapter_config.json"
        config = json.loads(config_path.read_text())
        config["base_model_name_or_path"] = base_name
        config_path.write_text(json.dumps(config))
    return out_dir


def install_model(home: Path, name: str, hf_dir: Path, lora_dir: Path) -> Path:
    """Lay out ``HOME/models/NAME`` like the importer does, around an already built LoRA graph."""
    from runtime.lora_graph import LORA_DIR
    from runtime.model_store import sha256_tree, write_manifest

    folder = home / "models" / name
    folder.mkdir(parents=True)
    shutil.copytree(hf_dir, folder / "hf")
    shutil.copytree(lora_dir, folder / LORA_DIR)
    shutil.copytree(lora_dir, folder / "onnx")  # the LoRA graph with no adapter is the base model
    write_manifest(folder, {"name": name, "source": {"path": str(hf_dir), "sha256": sha256_tree(hf_dir)},
                            "base_model_hash": sha256_tree(hf_dir), "architecture": "LlamaForCausalLM"})
    return folder


@dataclass
class LoraEnv:
    home: Path
    model: str
    hf_dir: Path
    lora_dir: Path  # a pristine copy of the fp32 LoRA graph (parity tests open it directly)
    peft: dict[str, Path]


@pytest.fixture(scope="session")
def lora_env(tmp_path_factory) -> LoraEnv:
    from llm_fixtures import tiny_hf_model
    from runtime.lora_graph import build_lora_graph

    root = tmp_path_factory.mktemp("lora")
    hf_dir = tiny_hf_model(root / "source")
    lora_dir = build_lora_graph(hf_dir, root / "onnx-lora")
    home = root / "home"
    home.mkdir()
    (home / "kith.toml").write_text('[runtime]\nmodel = "tiny"\n')
    install_model(home, "tiny", hf_dir, lora_dir)
    wide = tiny_hf_model(root / "wide-source", hidden=96, seed=3)
    peft = {
        "a": make_peft(hf_dir, root / "peft-a", seed=1, rank=4, targets=ALL_TARGETS),
        "b": make_peft(hf_dir, root / "peft-b", seed=2, rank=2, targets=["q_proj", "v_proj"]),
        "other": make_peft(wide, root / "peft-other", seed=4, rank=4, targets=ALL_TARGETS),
        "renamed": make_peft(hf_dir, root / "peft-renamed", seed=5, rank=4, targets=ALL_TARGETS,
                             base_name="meta-llama/Llama-3.2-1B"),
    }
    return LoraEnv(home, "tiny", hf_dir, lora_dir, peft)


def tree_state(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: compare before/after to prove nothing changed."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
