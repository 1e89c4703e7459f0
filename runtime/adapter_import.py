"""Read a PEFT LoRA folder, check it against an installed model's LoRA graph, convert it to ``.onnx_adapter``.

A PEFT adapter is ``adapter_config.json`` + ``adapter_model.safetensors`` with, per projection,
``lora_A.weight [r, in]`` and ``lora_B.weight [out, r]``. The LoRA graph (``runtime.lora_graph``) takes
``A^T [in, r]`` and ``(scaling * B)^T [r, out]`` as inputs, ``scaling = alpha / r`` (``alpha / sqrt(r)`` with
rsLoRA), so the conversion transposes and scales once at import; nothing is computed per request.

Every check names what differs: the rank (and the model's limit), the target modules the graph cannot take,
a layer or width that does not match the base model, or a ``base_model_name_or_path`` that names another model.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.adapter_errors import AdapterMismatch, BadAdapter
from runtime.lora_graph import LORA_TARGETS, param_name

CONFIG_FILE = "adapter_config.json"
WEIGHT_FILES = ("adapter_model.safetensors",)
MAX_RANK = 256
_KEY_RE = re.compile(
    r"^(?:base_model\.model\.)?(?:model\.)?layers\.(\d+)\.(?:self_attn|mlp)\.(\w+_proj)\.lora_([AB])(?:\.default)?\.weight$"
)
UNSUPPORTED_FLAGS = {"use_dora": "DoRA", "use_qalora": "QA-LoRA", "use_bdlora": "BD-LoRA"}


@dataclass
class PeftAdapter:
    """A parsed PEFT LoRA, already in the graph's layout (``A^T``, ``scaled B^T``, float32)."""

    path: Path
    rank: int
    alpha: float
    scaling: float
    targets: list[str]
    base_model: str | None
    num_layers: int
    weights: dict[str, Any] = field(repr=False)  # graph input name -> np.ndarray


def _normalise(name: str) -> str:
    """``HuggingFaceTB/SmolLM2-135M-Instruct`` and ``SmolLM2 135M Instruct`` compare equal."""
    tail = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9]", "", tail.lower())


def base_model_matches(adapter_base: str | None, model_identities: list[str]) -> bool:
    """True when the adapter names no base model, or names one of the model's identities."""
    if not adapter_base:
        return True
    wanted = _normalise(adapter_base)
    return any(wanted and wanted == _normalise(identity) for identity in model_identities if identity)


def read_peft(path: str | Path) -> PeftAdapter:
    """Parse a PEFT LoRA folder; raises ``BadAdapter`` with a one-line reason."""
    import numpy as np

    folder = Path(path)
    if not folder.is_dir():
        raise BadAdapter(f"{folder}: not a folder (expected a PEFT LoRA with {CONFIG_FILE} and safetensors)")
    config_path = folder / CONFIG_FILE
    try:
        config = json.loads(config_path.read_text())
    except FileNotFoundError:
        raise BadAdapter(f"{folder}: no {CONFIG_FILE}; is this a PEFT LoRA folder?") from None
    except (OSError, ValueError) as exc:
        raise BadAdapter(f"{config_path}: unreadable ({exc})") from None
    if not isinstance(config, dict) or str(config.get("peft_type", "")).upper() != "LORA":
        raise BadAdapter(f"{config_path}: peft_type is {config.get('peft_type')!r}, only LORA is supported")
    for flag, label in UNSUPPORTED_FLAGS.items():
        if config.get(flag):
            raise BadAdapter(f"{config_path}: {label} adapters are not supported (only plain LoRA)")
    for key in ("rank_pattern", "alpha_pattern"):
        if config.get(key):
            raise BadAdapter(f"{config_path}: per-module {key} is not supported; use one rank and alpha")
    if config.get("bias", "none") != "none":
        raise BadAdapter(f"{config_path}: bias={config['bias']!r} is not supported (only bias='none')")
    if config.get("modules_to_save"):
        raise BadAdapter(f"{config_path}: modules_to_save {config['modules_to_save']} cannot run as a LoRA adapter")
    try:
        rank = int(config["r"])
        alpha = float(config.get("lora_alpha", rank))
    except (KeyError, TypeError, ValueError):
        raise BadAdapter(f"{config_path}: missing or invalid rank 'r'") from None
    if not 1 <= rank <= MAX_RANK:
        raise BadAdapter(f"{config_path}: rank {rank} is outside 1..{MAX_RANK}")
    scaling = alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank

    weight_file = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
    if weight_file is None:
        raise BadAdapter(f"{folder}: no adapter_model.safetensors (the .bin format is not read, for safety)")
    try:
        from safetensors.numpy import load_file

        raw = load_file(str(weight_file))
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise BadAdapter(f"{weight_file}: not a readable safetensors file ({exc})") from None

    weights: dict[str, Any] = {}
    layers: set[int] = set()
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for key, tensor in raw.items():
        match = _KEY_RE.match(key)
        if match is None:
            raise AdapterMismatch(f"{weight_file}: tensor {key!r} is not a LoRA A/B weight of a projection kith "
                                  f"can adapt ({', '.join(LORA_TARGETS)})")
        layer, module, kind = int(match[1]), match[2], match[3]
        if module not in LORA_TARGETS:
            raise AdapterMismatch(f"{weight_file}: target module {module!r} is not supported "
                                  f"(supported: {', '.join(LORA_TARGETS)})")
        found.setdefault((layer, module), {})[kind] = tensor
        layers.add(layer)
    if not found:
        raise BadAdapter(f"{weight_file}: contains no LoRA weights")
    for (layer, module), pair in sorted(found.items(), key=lambda kv: (kv[0][0], LORA_TARGETS.index(kv[0][1]))):
        if set(pair) != {"A", "B"}:
            missing = ({"A", "B"} - set(pair)).pop()
            raise BadAdapter(f"{weight_file}: layer {layer} {module} has no lora_{missing} weight")
        a, b = pair["A"], pair["B"]
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != rank or b.shape[1] != rank:
            raise AdapterMismatch(f"{weight_file}: layer {layer} {module} has lora_A {list(a.shape)} and lora_B "
                                  f"{list(b.shape)}, which do not match rank {rank} from {CONFIG_FILE}")
        weights[param_name(layer, module, "A")] = np.ascontiguousarray(a.astype(np.float32).T)
        weights[param_name(layer, module, "B")] = np.ascontiguousarray((b.astype(np.float32) * scaling).T)
    targets = sorted({module for _, module in found}, key=LORA_TARGETS.index)
    return PeftAdapter(folder, rank, alpha, scaling, targets, config.get("base_model_name_or_path"),
                       1 + max(layers), weights)


def check_against_graph(adapter: PeftAdapter, spec: dict[str, Any], model_name: str) -> None:
    """Raise ``AdapterMismatch`` naming the first difference between the adapter and the LoRA graph's inputs."""
    params = spec["params"]
    if adapter.num_layers > int(spec["num_layers"]):
        raise AdapterMismatch(f"adapter has {adapter.num_layers} layers but model {model_name!r} has "
                              f"{spec['num_layers']}: it was trained for another base model")
    missing_targets = [t for t in adapter.targets if t not in spec["targets"]]
    if missing_targets:
        raise AdapterMismatch(f"adapter targets {', '.join(missing_targets)}, which model {model_name!r}'s LoRA "
                              f"graph does not expose (it exposes {', '.join(spec['targets'])})")
    for name, array in adapter.weights.items():
        info = params.get(name)
        if info is None:
            raise AdapterMismatch(f"adapter weight {name} has no input in model {model_name!r}'s LoRA graph")
        expected_dim = int(info["dim"])
        actual_dim = array.shape[0] if info["kind"] == "A" else array.shape[1]
        if actual_dim != expected_dim:
            side = "in" if info["kind"] == "A" else "out"
            raise AdapterMismatch(f"adapter layer {info['layer']} {info['module']} has {side}_features "
                                  f"{actual_dim} but model {model_name!r} has {expected_dim}: it was trained for "
                                  "another base model")


def export_onnx_adapter(adapter: PeftAdapter, path: Path) -> None:
    """Write ``adapter.weights`` as onnxruntime's ``.onnx_adapter`` (flatbuffers) file."""
    import onnxruntime as ort

    fmt = ort.AdapterFormat()
    fmt.set_adapter_version(1)
    fmt.set_model_version(1)
    fmt.set_parameters({name: ort.OrtValue.ortvalue_from_numpy(array) for name, array in adapter.weights.items()})
    fmt.export_adapter(str(path))


def adapter_from_onnx(path: Path, spec: dict[str, Any]) -> PeftAdapter:
    """An already converted ``.onnx_adapter`` file as a ``PeftAdapter`` (rank from its shapes, scaling baked in)."""
    weights = read_onnx_adapter(path)
    params = spec["params"]
    unknown = [name for name in weights if name not in params]
    if unknown:
        raise AdapterMismatch(f"{path}: parameter {unknown[0]} is not an input of the model's LoRA graph")
    if not weights:
        raise BadAdapter(f"{path}: contains no parameters")
    ranks = {a.shape[1] if params[n]["kind"] == "A" else a.shape[0] for n, a in weights.items() if a.ndim == 2}
    if len(ranks) != 1 or any(a.ndim != 2 or a.dtype.name != "float32" for a in weights.values()):
        raise BadAdapter(f"{path}: parameters must be 2-D float32 with one rank (found ranks {sorted(ranks)})")
    rank = ranks.pop()
    targets = sorted({params[n]["module"] for n in weights}, key=LORA_TARGETS.index)
    layers = 1 + max(int(params[n]["layer"]) for n in weights)
    return PeftAdapter(path, int(rank), float("nan"), float("nan"), targets, None, layers, weights)


def read_onnx_adapter(path: Path) -> dict[str, Any]:
    """The parameters of a ``.onnx_adapter`` file as numpy arrays; raises ``BadAdapter`` if it cannot be read."""
    import onnxruntime as ort

    try:
        params = ort.AdapterFormat.read_adapter(str(path)).get_parameters()
        return {name: value.numpy().copy() for name, value in params.items()}
    except Exception as exc:
        raise BadAdapter(f"{path}: not a valid .onnx_adapter file ({str(exc).splitlines()[0][:200]})") from None
