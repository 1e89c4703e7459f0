"""GGUF -> dequantized fp32 Hugging Face folder (config, safetensors, tokenizer with its chat template).

transformers reads GGUF (with the ``gguf`` package) but refuses to ``save_pretrained`` a model loaded that way
("quantized with gguf and is not serializable"), so the model is rebuilt from its config without
``quantization_config`` and the dequantized state dict is loaded into it before saving.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

from runtime.errors import BadModelSource

GGUF_MAGIC = b"GGUF"
SUPPORTED_ARCHITECTURES = ("llama",)


def check_gguf(path: Path) -> str:
    """Validate a GGUF file cheaply (magic, readable tensor table, data not truncated); return its architecture."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise BadModelSource(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(head) < 8 or head[:4] != GGUF_MAGIC:
        raise BadModelSource(f"{path} is not a GGUF file (bad magic)")
    version = struct.unpack("<I", head[4:8])[0]
    if version not in (2, 3):
        raise BadModelSource(f"{path}: unsupported GGUF version {version}")
    try:
        from gguf import GGUFReader

        reader = GGUFReader(path)
        field = reader.fields.get("general.architecture")
        arch = bytes(field.parts[field.data[0]]).decode() if field else "unknown"
        size = os.path.getsize(path)
        end = max((int(t.data_offset) + int(t.n_bytes) for t in reader.tensors), default=0)
    except (ValueError, IndexError, KeyError, struct.error, OSError) as exc:
        raise BadModelSource(f"{path} is truncated or corrupt ({type(exc).__name__}: {exc})") from exc
    if end > size:
        raise BadModelSource(f"{path} is truncated: tensor data ends at byte {end} but the file has {size} bytes")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise BadModelSource(f"{path}: architecture {arch!r} is not supported (supported: {', '.join(SUPPORTED_ARCHITECTURES)})")
    return arch


def gguf_to_hf(gguf_path: Path, out_dir: Path) -> Path:
    """Write the dequantized fp32 model and its tokenizer to ``out_dir``; return ``out_dir``."""
    check_gguf(gguf_path)
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    try:
        config = AutoConfig.from_pretrained(folder, gguf_file=name)
        loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    except (ValueError, OSError, KeyError, RuntimeError) as exc:
        raise BadModelSource(f"transformers cannot read {gguf_path}: {exc}") from exc
    state = loaded.state_dict()
    del loaded
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [key for key in missing if not (config.tie_word_embeddings and key == "lm_head.weight")]
    if missing or unexpected:
        raise BadModelSource(f"{gguf_path}: weights do not match the config (missing {missing[:3]}, unexpected {unexpected[:3]})")
    if config.tie_word_embeddings:
        model.tie_weights()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir
