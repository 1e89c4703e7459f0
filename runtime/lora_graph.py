"""The LoRA-capable graph variant of an imported model: ``HOME/models/NAME/onnx-lora/``.

How it is built (facts measured with onnxruntime-genai 0.18.0, see docs/MEASUREMENTS.md):

1. The model builder is run on the fp32 Hugging Face folder with ``adapter_path`` pointing at a throw-away
   PEFT LoRA that targets every attention and MLP projection (``LORA_TARGETS``). That makes the builder emit,
   for each projection, ``/model/layers.N/{attn,mlp}/X_proj/lora_{A,B}/MatMul`` next to the base MatMul.
2. The builder bakes the placeholder LoRA weights in as constants. ``rewrite_lora_inputs`` turns each of them
   into a graph input (``[in, lora_rank]`` / ``[lora_rank, out]``, rank symbolic) whose initializer default is
   empty (``[in, 0]`` / ``[0, out]``): with no adapter active the LoRA branch adds zeros and the base runs; an
   ``og.Adapters`` file overrides the inputs by name for one request.
3. The plain graph's quantization step (``runtime.quantize``) runs on that fp32 graph with every LoRA MatMul in
   its exclusion list, so the base MatMuls are quantized exactly like the plain graph's and the LoRA ones stay
   fp32 (building with ``-p int4`` and an adapter path would quantize the LoRA weights too).

``lora.json`` next to the graph lists every LoRA parameter with its shape so adapter import can check a PEFT
adapter against the graph without loading it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LORA_DIR = "onnx-lora"
LORA_SPEC_FILE = "lora.json"
RANK_DIM = "lora_rank"
ATTENTION_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP_TARGETS = ("gate_proj", "up_proj", "down_proj")
LORA_TARGETS = ATTENTION_TARGETS + MLP_TARGETS

# model.layers.3.attn.q_proj.lora_A.MatMul.weight  (the builder's initializer names)
_PARAM_RE = re.compile(r"^model\.layers\.(\d+)\.(attn|mlp)\.(\w+_proj)\.lora_([AB])\.MatMul\.weight$")


@dataclass(frozen=True)
class LoraParam:
    """One LoRA weight the graph accepts: ``A`` is ``[in, r]``, ``B`` is ``[r, out]`` (already scaled)."""

    name: str
    layer: int
    module: str  # q_proj, ..., down_proj
    kind: str  # "A" or "B"
    dim: int  # in_features for A, out_features for B

    def shape(self, rank: int) -> tuple[int, int]:
        return (self.dim, rank) if self.kind == "A" else (rank, self.dim)


def param_name(layer: int, module: str, kind: str) -> str:
    """The graph input name for one LoRA matrix (``kind`` is ``"A"`` or ``"B"``)."""
    block = "attn" if module in ATTENTION_TARGETS else "mlp"
    return f"model.layers.{layer}.{block}.{module}.lora_{kind}.MatMul.weight"


def lora_node_names(num_layers: int) -> list[str]:
    """Every LoRA MatMul node the builder emits for ``num_layers`` layers (to exclude from quantization)."""
    names = []
    for layer in range(num_layers):
        for module in LORA_TARGETS:
            block = "attn" if module in ATTENTION_TARGETS else "mlp"
            for kind in ("A", "B"):
                names.append(f"/model/layers.{layer}/{block}/{module}/lora_{kind}/MatMul")
    return names


def write_placeholder_adapter(hf_dir: Path, out_dir: Path) -> None:
    """A rank-1 PEFT LoRA on every projection, so the builder emits the LoRA branches (values are irrelevant)."""
    import torch
    from safetensors.torch import save_file

    config = json.loads((hf_dir / "config.json").read_text())
    hidden = int(config["hidden_size"])
    inter = int(config["intermediate_size"])
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_dim = int(config.get("head_dim") or hidden // heads)
    dims = {"q_proj": (hidden, heads * head_dim), "k_proj": (hidden, kv_heads * head_dim),
            "v_proj": (hidden, kv_heads * head_dim), "o_proj": (heads * head_dim, hidden),
            "gate_proj": (hidden, inter), "up_proj": (hidden, inter), "down_proj": (inter, hidden)}
    tensors = {}
    for layer in range(int(config["num_hidden_layers"])):
        for module, (fan_in, fan_out) in dims.items():
            block = "self_attn" if module in ATTENTION_TARGETS else "mlp"
            prefix = f"base_model.model.model.layers.{layer}.{block}.{module}"
            tensors[f"{prefix}.lora_A.weight"] = torch.zeros(1, fan_in)
            tensors[f"{prefix}.lora_B.weight"] = torch.zeros(fan_out, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / "adapter_model.safetensors"))
    (out_dir / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 1, "lora_alpha": 1, "lora_dropout": 0.0,
        "target_modules": list(LORA_TARGETS), "bias": "none", "fan_in_fan_out": False,
        "base_model_name_or_path": str(hf_dir), "inference_mode": True,
    }))


def rewrite_lora_inputs(onnx_dir: Path) -> list[LoraParam]:
    """Turn the baked LoRA initializers into graph inputs with empty defaults; write ``lora.json``."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model_path = onnx_dir / "model.onnx"
    model = onnx.load(str(model_path), load_external_data=True)
    graph = model.graph
    params: list[LoraParam] = []
    kept = []
    for init in graph.initializer:
        match = _PARAM_RE.match(init.name)
        if match is None:
            kept.append(init)
            continue
        layer, _block, module, kind = int(match[1]), match[2], match[3], match[4]
        if init.data_type != TensorProto.FLOAT:
            raise RuntimeError(f"LoRA weight {init.name} was quantized; it must stay fp32")
        dims = list(init.dims)
        dim = dims[0] if kind == "A" else dims[1]
        params.append(LoraParam(init.name, layer, module, kind, int(dim)))
    if not params:
        raise RuntimeError(f"no LoRA weights found in {model_path}; was the builder given an adapter?")
    del graph.initializer[:]
    graph.initializer.extend(kept)
    for p in sorted(params, key=lambda q: (q.layer, LORA_TARGETS.index(q.module), q.kind)):
        empty = np.zeros((p.dim, 0) if p.kind == "A" else (0, p.dim), dtype=np.float32)
        graph.initializer.append(numpy_helper.from_array(empty, p.name))
        shape = [p.dim, RANK_DIM] if p.kind == "A" else [RANK_DIM, p.dim]
        graph.input.append(helper.make_tensor_value_info(p.name, TensorProto.FLOAT, shape))
    data_name = "model.onnx.data"
    for stale in (model_path, onnx_dir / data_name):
        stale.unlink(missing_ok=True)
    onnx.save_model(model, str(model_path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=1024)
    spec = {"rank_dim": RANK_DIM, "targets": sorted({p.module for p in params}, key=LORA_TARGETS.index),
            "num_layers": 1 + max(p.layer for p in params),
            "params": {p.name: {"layer": p.layer, "module": p.module, "kind": p.kind, "dim": p.dim}
                       for p in params}}
    (onnx_dir / LORA_SPEC_FILE).write_text(json.dumps(spec, indent=1))
    return params


def load_spec(onnx_lora_dir: Path) -> dict[str, Any]:
    """The ``lora.json`` written by ``rewrite_lora_inputs``."""
    return json.loads((Path(onnx_lora_dir) / LORA_SPEC_FILE).read_text())


Fp32Builder = Callable[[Path, Path, Path, dict[str, Any]], Any]  # (hf_dir, out_dir, cache_dir, extra_options)
Quantizer = Callable[[Path, Path, list[str]], Any]  # (src model.onnx, dst model.onnx, nodes to keep fp32)
COPIED_FILES = ("genai_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "chat_template.jinja", LORA_SPEC_FILE)


def default_builder(hf_dir: Path, out_dir: Path, cache_dir: Path, extra_options: dict[str, Any]) -> Any:
    from runtime.onnx_build import build_fp32

    return build_fp32(hf_dir, out_dir, cache_dir, extra_options)


def build_lora_graph(hf_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                     quantize: Quantizer | None = None, genai_config_from: str | os.PathLike[str] | None = None,
                     builder: Fp32Builder = default_builder, extra_options: Mapping[str, Any] | None = None) -> Path:
    """Build the LoRA-capable graph of ``hf_dir`` into ``out_dir`` (built in a temporary sibling, then renamed).

    ``quantize`` is the plain graph's quantization step, called with every LoRA MatMul excluded, so the base
    MatMuls are quantized exactly like the plain graph's (``None`` keeps fp32). ``genai_config_from`` is the plain
    graph's folder: its ``genai_config.json`` (context length, search defaults, session options) is reused.
    """
    hf_dir, out_dir = Path(hf_dir), Path(out_dir)
    config = json.loads((hf_dir / "config.json").read_text())
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".lora-build-", dir=out_dir.parent))
    try:
        placeholder = work / "placeholder-adapter"
        write_placeholder_adapter(hf_dir, placeholder)
        fp32_dir = work / "fp32"
        builder(hf_dir, fp32_dir, work / "cache", {**dict(extra_options or {}), "adapter_path": str(placeholder)})
        rewrite_lora_inputs(fp32_dir)
        graph_dir = fp32_dir
        if quantize is not None:
            graph_dir = work / "quantized"
            graph_dir.mkdir()
            quantize(fp32_dir / "model.onnx", graph_dir / "model.onnx",
                     lora_node_names(int(config["num_hidden_layers"])))
            for name in COPIED_FILES:
                if (fp32_dir / name).is_file():
                    shutil.copy2(fp32_dir / name, graph_dir / name)
        if genai_config_from is not None:
            shutil.copy2(Path(genai_config_from) / "genai_config.json", graph_dir / "genai_config.json")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(graph_dir, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir
