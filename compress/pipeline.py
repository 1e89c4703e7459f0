"""`kith compress`: apply a recipe to every selected layer of a model folder and write OUT atomically.

OUT holds a loadable copy of MODEL with decompressed weights, the packed compressed tensors
(`compressed.safetensors`, whose size is the size on disk that the report quotes) and the report.
"""
from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Callable

import torch

from compress.bits import CompressedTensor, dense_tensor
from compress.calibration import activation_stats, fisher_diagonal, input_hessians, read_windows
from compress.compensate import compensate, output_error
from compress.errors import CompressionError
from compress.joint import prune_then
from compress.linear_quant import quantize_linear
from compress.mixed import Option, assign_bits
from compress.model_io import compressible, load_model, write_decompressed
from compress.palettize import palettize
from compress.prune import magnitude_mask, n_m_mask, parse_n_m, prune
from compress.recipe import LayerSpec, Recipe
from compress.report import PACKED_FILE, REPORT_FILE, summarize

Progress = Callable[[str, int, int], None]


def compress_weight(weight: torch.Tensor, spec: LayerSpec, importance: torch.Tensor | None,
                    name: str) -> CompressedTensor:
    """One layer through one technique."""
    technique = spec.technique
    if technique == "fp16":
        return dense_tensor(weight)
    if technique == "palettize":
        return palettize(weight, importance=importance, name=name, **spec.options())  # type: ignore[arg-type]
    if technique == "linear":
        return quantize_linear(weight, name=name, **spec.options())  # type: ignore[arg-type]
    if spec.n_m:
        keep = n_m_mask(weight, *parse_n_m(spec.n_m), name=name)
    else:
        keep = magnitude_mask(weight, float(spec.sparsity or 0.0), importance)
    if technique == "prune":
        return prune(weight, keep)
    second = technique.split("+", 1)[1]
    options = spec.options()
    if second == "palettize":
        options["importance"] = importance
    return prune_then(weight, keep, second, name=name, **options)


def weighted_error(weight: torch.Tensor, approx: torch.Tensor, importance: torch.Tensor | None) -> tuple[float, float]:
    """(sensitivity-weighted squared error, the same relative to the weight's weighted energy)."""
    w = weight.detach().to(torch.float32)
    imp = torch.ones_like(w) if importance is None else importance.to(torch.float32).expand_as(w)
    err = float((imp * (w - approx) ** 2).sum())
    return err, err / max(float((imp * w * w).sum()), 1e-30)


def spec_for(name: str, recipe: Recipe) -> LayerSpec | None:
    """The recipe's spec for a layer, or None when the layer is left alone (kept at fp16)."""
    for pattern, spec in recipe.overrides:
        if fnmatch.fnmatch(name, pattern):
            return spec
    if not any(fnmatch.fnmatch(name, p) for p in recipe.include) or any(fnmatch.fnmatch(name, p) for p in recipe.exclude):
        return None
    return recipe.default


def _needs(recipe: Recipe, specs: list[LayerSpec | None], have_text: bool) -> str:
    """'none', 'activation' or 'fisher': which statistics to collect."""
    wanted = {s.calibration for s in specs if s is not None}
    if "fisher" in wanted or "activation" in wanted:
        if not have_text:
            raise CompressionError(f"recipe {recipe.name} needs calibration text: pass --calibration TEXTFILE")
        return "fisher" if "fisher" in wanted else "activation"
    return "activation" if have_text and "auto" in wanted else "none"


def compress_model(model_dir: str | Path, recipe: Recipe, out_dir: str | Path, calibration: str | Path | None = None,
                   progress: Progress | None = None, max_windows: int = 32) -> dict:
    """Compresses MODEL into OUT (a new folder, written atomically) and returns the report."""
    out = Path(out_dir)
    if out.exists():
        raise CompressionError(f"{out} already exists; choose another -o or remove it")
    model, tokenizer, kind = load_model(model_dir)
    layers = compressible(model)
    specs = [spec_for(name, recipe) for name, _, _ in layers]
    notes: list[str] = []
    mode = _needs(recipe, specs, calibration is not None)
    wants_hessians = [n for (n, _, _), s in zip(layers, specs) if s is not None and s.compensate]
    importance: dict[str, torch.Tensor] = {}
    hessians: dict[str, torch.Tensor] = {}
    if wants_hessians and calibration is None:
        notes.append("error compensation skipped: it needs calibration text (--calibration TEXTFILE)")
    if mode != "none":
        windows = read_windows(calibration, tokenizer, max_windows=max_windows)  # type: ignore[arg-type]
        names = [n for (n, _, _), s in zip(layers, specs) if s is not None]
        if mode == "fisher" and kind != "causal-lm":
            notes.append("Fisher needs a language-model loss; this encoder uses activation statistics instead")
            mode = "activation"
        if wants_hessians:  # E[x x^T]; its diagonal is the activation statistics
            hessians = input_hessians(model, windows, names if mode == "activation" else wants_hessians, progress)
        if mode == "activation" and hessians:
            importance = {n: torch.diagonal(h).reshape(1, -1).clone() for n, h in hessians.items()}
        else:
            importance = (fisher_diagonal if mode == "fisher" else activation_stats)(model, windows, names, progress)
        notes.append(f"sensitivity from {mode} statistics over {len(windows)} calibration windows")
        if hessians:
            notes.append(f"OPTQ error compensation on {len(set(wants_hessians) & set(hessians))} layers (input "
                         f"Hessians over the same windows); layer errors are output errors tr(D H D^T)")
    else:
        notes.append("data-free (no calibration text)")
    mixed: dict | None = None
    if recipe.default.technique == "mixed":
        specs, mixed = _plan_mixed(layers, specs, recipe, importance, progress, notes)
    rows, packed, weights = [], {}, {}
    for i, ((name, module, aliases), spec) in enumerate(zip(layers, specs)):
        weight = module.weight.detach()
        imp = importance.get(name)
        tensor = compress_weight(weight, spec or LayerSpec("fp16"), imp if spec else None, name)
        hessian = hessians.pop(name, None)
        if spec is not None and spec.compensate and hessian is not None:
            tensor = compensate(tensor, weight, hessian)
        approx = tensor.decompress()
        err, rel = output_error(weight, approx, hessian) if hessian is not None else weighted_error(weight, approx, imp)
        rows.append({"name": name, "aliases": aliases[1:], "technique": tensor.technique,
                     "bits": tensor.details.get("bits"), "shape": list(weight.shape), "numel": tensor.numel,
                     "storage_bits": tensor.storage_bits, "bpw": tensor.bpw, "error": err, "rel_error": rel,
                     "sparsity": tensor.details.get("sparsity"), "compensated": bool(tensor.details.get("compensated"))})
        packed.update(tensor.packed_arrays(name))
        for alias in aliases:
            weights[alias] = approx
        if progress:
            progress("compressing", i + 1, len(layers))
    return _write(model_dir, out, model, recipe, rows, packed, weights, notes, mixed)


def _plan_mixed(layers, specs, recipe: Recipe, importance, progress,
                notes) -> tuple[list[LayerSpec | None], dict]:
    """Per-layer widths for a mixed recipe, and what the budget was measured over."""
    options: dict[str, list[Option]] = {}
    numel: dict[str, int] = {}
    fixed_bits = fixed_numel = 0
    base = replace(recipe.default, technique=recipe.mix)
    for i, ((name, module, _), spec) in enumerate(zip(layers, specs)):
        weight = module.weight.detach()
        if spec is not recipe.default:
            if recipe.budget == "model":  # layers outside the mix count toward a whole-model budget
                fixed_bits += compress_weight(weight, spec or LayerSpec("fp16"), None, name).storage_bits
                fixed_numel += weight.numel()
            continue
        numel[name] = weight.numel()
        options[name] = []
        for bits in recipe.candidates:
            t = compress_weight(weight, replace(base, bits=bits), importance.get(name), name)
            options[name].append(Option(bits, t.storage_bits, weighted_error(weight, t.decompress(), importance.get(name))[0]))
        if progress:
            progress("measuring sensitivity", i + 1, len(layers))
    try:
        chosen = assign_bits(options, numel, float(recipe.target_bpw or 0), fixed_bits, fixed_numel)
    except ValueError as exc:
        where = "the whole model" if recipe.budget == "model" else "the mixed layers"
        raise CompressionError(f"recipe {recipe.name}: target_bpw over {where}: {exc}; raise target_bpw, add "
                               f"narrower candidates, or use budget = \"mixed-layers\"") from None
    mixed_bits = sum(next(o.storage_bits for o in options[n] if o.bits == b) for n, b in chosen.items())
    mixed_numel = max(sum(numel.values()), 1)
    notes.append(f"mixed: {mixed_bits / mixed_numel:.3f} bits per weight over the {len(chosen)} mixed layers"
                 + (f", {(mixed_bits + fixed_bits) / (mixed_numel + fixed_numel):.3f} over the whole model"
                    if recipe.budget == "model" else "")
                 + f" (target {recipe.target_bpw} over {'the whole model' if recipe.budget == 'model' else 'the mixed layers'})")
    info = {"target_bpw": recipe.target_bpw, "budget": recipe.budget, "layers": len(chosen),
            "mixed_layers_bpw": mixed_bits / mixed_numel,
            "widths": {str(b): sum(1 for v in chosen.values() if v == b) for b in recipe.candidates}}
    return [replace(base, bits=chosen[name]) if name in chosen else spec
            for (name, _, _), spec in zip(layers, specs)], info


def _write(model_dir, out: Path, model, recipe: Recipe, rows, packed, weights, notes, mixed: dict | None) -> dict:
    from safetensors.numpy import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        staged = tmp / "model"
        write_decompressed(model_dir, staged, weights, getattr(model, "base_model_prefix", ""))
        save_file(packed, str(staged / PACKED_FILE), metadata={"recipe": json.dumps(recipe.source)})
        report = summarize(rows, recipe.name, (staged / PACKED_FILE).stat().st_size, notes)
        if mixed:
            report["mixed"] = mixed
        (staged / REPORT_FILE).write_text(json.dumps(report, indent=1))
        os.replace(staged, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report
