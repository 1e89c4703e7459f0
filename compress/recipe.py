"""Compression recipes: small TOML files (or built-in names) validated field by field.

    name = "palettize4-g16"
    technique = "palettize"          # palettize | linear | prune | prune+palettize | prune+linear | mixed | fp16
    bits = 4
    granularity = "per_grouped_channel"
    group_size = 16
    calibration = "auto"             # auto | none | activation | fisher
    compensate = true                # OPTQ error compensation from input Hessians (needs calibration text)
    exclude = ["lm_head"]
    [[override]]                     # first matching pattern wins
    pattern = "*embed*"
    technique = "linear"
    bits = 8

A mistake is one `RecipeError` that names the field.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from compress.errors import RecipeError

TECHNIQUES = ("palettize", "linear", "prune", "prune+palettize", "prune+linear", "fp16", "mixed")
CALIBRATIONS = ("auto", "none", "activation", "fisher")
LAYER_KEYS = {"technique", "bits", "granularity", "group_size", "block_size", "mode", "sparsity", "n_m",
              "calibration", "compensate", "pattern"}
TOP_KEYS = {"name", "description", "include", "exclude", "override", "target_bpw", "candidates", "budget",
            "mix"} | LAYER_KEYS
# What a mixed recipe assigns per layer: palettization widths (a table per group), or linear widths that
# onnxruntime runs as MatMulNBits (2, 4, 8 bits; symmetric, per block) after `kith model import`.
MIXES = ("palettize", "linear")
# What a mixed recipe's target_bpw is measured over: only the layers it mixes (Apple's "3.5 bits per weight,
# 8-bit embeddings"), or the whole model, counting the overridden and fp16 layers too.
BUDGETS = ("mixed-layers", "model")


@dataclass(frozen=True)
class LayerSpec:
    """How one layer is compressed."""

    technique: str
    bits: int | None = None
    granularity: str | None = None
    group_size: int | None = None
    block_size: int | None = None
    mode: str = "symmetric"
    sparsity: float | None = None
    n_m: str | None = None
    calibration: str = "auto"
    compensate: bool = False  # OPTQ: codes re-chosen column by column against the input Hessian

    def options(self) -> dict[str, object]:
        """Keyword arguments for the palettize / quantize function."""
        second = self.technique.split("+")[-1]
        if second == "palettize":
            return {"bits": self.bits, "granularity": self.granularity or "per_tensor", "group_size": self.group_size}
        return {"bits": self.bits, "granularity": self.granularity or "per_channel",
                "block_size": self.block_size, "mode": self.mode}


@dataclass(frozen=True)
class Recipe:
    """A validated recipe."""

    name: str
    default: LayerSpec
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    overrides: tuple[tuple[str, LayerSpec], ...] = ()
    target_bpw: float | None = None
    candidates: tuple[int, ...] = (2, 3, 4, 8)
    budget: str = "mixed-layers"
    mix: str = "palettize"
    description: str = ""
    source: dict = field(default_factory=dict, compare=False)


def _layer(table: dict, where: str, base: LayerSpec | None = None) -> LayerSpec:
    allowed = LAYER_KEYS if where != "" else TOP_KEYS
    for key in table:
        if key not in allowed:
            raise RecipeError(f"{where}{key}", "unknown field")
    technique = table.get("technique", base.technique if base else None)
    if technique not in TECHNIQUES:
        raise RecipeError(f"{where}technique", f"unknown technique {technique!r}; known: {', '.join(TECHNIQUES)}")
    spec = replace(base, technique=technique) if base else LayerSpec(technique=technique)
    updates = {k: table[k] for k in ("bits", "granularity", "group_size", "block_size", "mode", "sparsity", "n_m",
                                     "calibration", "compensate") if k in table}
    spec = replace(spec, **updates)
    if technique not in ("fp16", "prune", "mixed"):
        if not isinstance(spec.bits, int) or isinstance(spec.bits, bool) or not 1 <= spec.bits <= 8:
            raise RecipeError(f"{where}bits", f"{spec.bits!r} is out of range: use an integer from 1 to 8")
        if technique.endswith("linear") and spec.bits < 2:
            raise RecipeError(f"{where}bits", "linear quantization needs at least 2 bits")
    for key in ("group_size", "block_size"):
        value = getattr(spec, key)
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise RecipeError(f"{where}{key}", f"{value!r} is not a positive integer")
    if technique.startswith("prune") and spec.sparsity is None and spec.n_m is None:
        raise RecipeError(f"{where}sparsity", "pruning needs `sparsity` (0..1) or `n_m` (for example \"2:4\")")
    if spec.sparsity is not None and not (isinstance(spec.sparsity, (int, float)) and 0 <= spec.sparsity < 1):
        raise RecipeError(f"{where}sparsity", f"{spec.sparsity!r} is not in [0, 1)")
    if spec.calibration not in CALIBRATIONS:
        raise RecipeError(f"{where}calibration", f"{spec.calibration!r} is not one of {', '.join(CALIBRATIONS)}")
    if not isinstance(spec.compensate, bool):
        raise RecipeError(f"{where}compensate", f"{spec.compensate!r} is not true or false")
    if spec.compensate and technique.split("+")[-1] not in ("palettize", "linear") and technique != "mixed":
        raise RecipeError(f"{where}compensate", f"error compensation needs palettize or linear codes, not {technique}")
    if spec.mode not in ("symmetric", "affine"):
        raise RecipeError(f"{where}mode", f"{spec.mode!r} is not symmetric or affine")
    return spec


def parse_recipe(table: dict, name: str = "recipe") -> Recipe:
    """Validates a parsed TOML table."""
    default = _layer(table, "")
    if default.technique == "mixed":
        target = table.get("target_bpw")
        if not isinstance(target, (int, float)) or target <= 0:
            raise RecipeError("target_bpw", f"{target!r}: a mixed recipe needs a positive bits-per-weight target")
        candidates = table.get("candidates", [2, 3, 4, 8])
        if not candidates or any(not isinstance(b, int) or not 1 <= b <= 8 for b in candidates):
            raise RecipeError("candidates", f"{candidates!r}: use integers from 1 to 8")
        if table.get("budget", "mixed-layers") not in BUDGETS:
            raise RecipeError("budget", f"{table['budget']!r} is not one of {', '.join(BUDGETS)}")
        if table.get("mix", "palettize") not in MIXES:
            raise RecipeError("mix", f"{table['mix']!r} is not one of {', '.join(MIXES)}")
        if table.get("mix") == "linear" and any(b == 1 for b in candidates):
            raise RecipeError("candidates", "linear quantization needs at least 2 bits")
    overrides = []
    for i, item in enumerate(table.get("override", [])):
        if "pattern" not in item:
            raise RecipeError(f"override[{i}].pattern", "missing")
        spec = _layer(item, f"override[{i}].", LayerSpec(technique=item.get("technique", "fp16")))
        if spec.technique == "mixed":
            raise RecipeError(f"override[{i}].technique", "mixed applies to a whole recipe, not one layer")
        overrides.append((str(item["pattern"]), spec))
    for key in ("include", "exclude"):
        if key in table and not all(isinstance(p, str) for p in table[key]):
            raise RecipeError(key, "must be a list of name patterns")
    return Recipe(
        name=str(table.get("name", name)), default=default, include=tuple(table.get("include", ["*"])),
        exclude=tuple(table.get("exclude", [])), overrides=tuple(overrides),
        target_bpw=float(table["target_bpw"]) if "target_bpw" in table else None,
        candidates=tuple(sorted(table.get("candidates", [2, 3, 4, 8]))),
        budget=str(table.get("budget", "mixed-layers")), mix=str(table.get("mix", "palettize")),
        description=str(table.get("description", "")), source=table,
    )


def named_recipes() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("compress.recipes").iterdir() if p.name.endswith(".toml"))


def load_recipe(name_or_path: str) -> Recipe:
    """A recipe from a TOML file, or one of the built-in names (`named_recipes()`)."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise RecipeError("recipe", f"{name_or_path}: no such file")
        text, label = path.read_text(encoding="utf-8"), path.stem
    else:
        candidate = resources.files("compress.recipes") / f"{name_or_path}.toml"
        if not candidate.is_file():
            raise RecipeError("recipe", f"unknown recipe {name_or_path!r}; built-in: {', '.join(named_recipes())}")
        text, label = candidate.read_text(encoding="utf-8"), name_or_path
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError("recipe", f"{name_or_path} is not valid TOML ({exc})") from None
    return parse_recipe(table, label)
