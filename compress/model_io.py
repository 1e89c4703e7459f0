"""Loading a model folder for compression and writing the decompressed copy next to the packed file.

MODEL is a Hugging Face folder (causal LM or encoder) or a sentence-transformers folder: both keep
their transformer weights in `*.safetensors` at the root. OUT is a full copy of MODEL whose weights
are replaced by the decompressed ones, so anything that loads MODEL also loads OUT.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

from compress.errors import CompressionError


def load_model(model_dir: str | Path) -> tuple[nn.Module, object, str]:
    """(model in fp32 eval mode, tokenizer, kind) where kind is 'causal-lm' or 'encoder'."""
    folder = Path(model_dir)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise CompressionError(f"{model_dir} is not a model folder (no config.json)")
    if not list(folder.glob("*.safetensors")):
        raise CompressionError(f"{model_dir} has no *.safetensors weights (only safetensors folders are supported)")
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

    architectures = json.loads(config_file.read_text()).get("architectures") or []
    causal = any(a.endswith("ForCausalLM") for a in architectures)
    loader = AutoModelForCausalLM if causal else AutoModel
    try:
        model = loader.from_pretrained(str(folder), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError) as exc:
        raise CompressionError(f"cannot load {model_dir}: {str(exc).splitlines()[0]}") from None
    model.eval()
    return model, tokenizer, "causal-lm" if causal else "encoder"


def compressible(model: nn.Module) -> list[tuple[str, nn.Module, list[str]]]:
    """(name, module, aliases) for every nn.Linear / nn.Embedding; a tied weight appears once."""
    seen: dict[int, int] = {}
    out: list[tuple[str, nn.Module, list[str]]] = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Embedding)) and module.weight.dim() == 2:
            key = module.weight.data_ptr()
            if key in seen:
                out[seen[key]][2].append(name)
                continue
            seen[key] = len(out)
            out.append((name, module, [name]))
    return out


def _file_key(keys: set[str], name: str, prefix: str) -> str | None:
    for candidate in (f"{name}.weight", f"{prefix}.{name}.weight",
                      f"{name}.weight".removeprefix(f"{prefix}.") if prefix else None):
        if candidate and candidate in keys:
            return candidate
    return None


def write_decompressed(model_dir: str | Path, out_dir: Path, weights: dict[str, torch.Tensor], prefix: str) -> None:
    """Copies MODEL into `out_dir` with each module name in `weights` replaced (all aliases included)."""
    shutil.copytree(model_dir, out_dir, ignore=shutil.ignore_patterns("compressed.safetensors",
                                                                     "compression_report.json"))
    written: set[str] = set()
    for file in sorted(out_dir.glob("*.safetensors")):
        with safe_open(str(file), framework="pt") as handle:
            metadata = handle.metadata() or {"format": "pt"}
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}
        keys = set(tensors)
        for name, value in weights.items():
            key = _file_key(keys, name, prefix)
            if key is not None:
                tensors[key] = value.to(tensors[key].dtype).contiguous()
                written.add(name)
        save_file(tensors, str(file), metadata=metadata)
    missing = [n for n in weights if n not in written and not n.endswith("lm_head")]
    if missing:
        raise CompressionError(f"could not find {missing[0]}.weight in {model_dir}'s safetensors files")
