"""Compression toolkit on tiny models built here: exact bits, palette sizes, sparsity, mixed bits,
recipes, and `kith compress` end to end on a Hugging Face folder and on the real MiniLM folder."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from compress.bits import pack_bits, unpack_bits
from compress.errors import RecipeError
from compress.linear_quant import quantize_linear
from compress.palettize import palettize
from compress.pipeline import compress_model
from compress.prune import magnitude_mask, n_m_mask, prune
from compress.joint import prune_then
from compress.recipe import load_recipe, parse_recipe
from compress.report import format_report, load_report
from tiny_models import CALIBRATION_TEXT as TEXT, MINILM, build_tiny_llama



@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture()
def calibration(tmp_path) -> Path:
    path = tmp_path / "calibration.txt"
    path.write_text(TEXT)
    return path


def _weight(rows=64, cols=128, seed=0) -> torch.Tensor:
    return torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed))


def test_pack_bits_round_trips_every_width():
    rng = np.random.default_rng(0)
    for bits in range(1, 9):
        values = rng.integers(0, 1 << bits, size=1001)
        packed = pack_bits(values, bits)
        assert packed.size == -(-1001 * bits // 8)
        assert np.array_equal(unpack_bits(packed, bits, 1001), values)


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
def test_palettize_bits_are_exact_and_palette_is_small(bits):
    w = _weight()
    per_tensor = palettize(w, bits)
    assert per_tensor.storage_bits == w.numel() * bits + (1 << bits) * 16
    grouped = palettize(w, bits, granularity="per_grouped_channel", group_size=16)
    assert grouped.storage_bits == w.numel() * bits + 4 * (1 << bits) * 16
    assert grouped.bpw == pytest.approx(bits + 4 * (1 << bits) * 16 / w.numel())
    approx = grouped.decompress()
    for g in range(4):
        assert approx[g * 16:(g + 1) * 16].unique().numel() <= 1 << bits
    packed_bytes = sum(a.nbytes for a in grouped.packed_arrays("w").values())
    assert packed_bytes * 8 == grouped.storage_bits
    assert torch.nn.functional.cosine_similarity(approx.flatten(), w.flatten(), dim=0) > (0.9 if bits == 2 else 0.97)


def test_sensitive_kmeans_lowers_weighted_error():
    w = _weight(seed=1)
    w[:, :8] = 3 + 3 * torch.rand(64, 8, generator=torch.Generator().manual_seed(2))  # outlier columns...
    importance = torch.ones(1, w.shape[1])
    importance[0, :8] = 1000.0  # ...that matter much more (large activations)
    plain = palettize(w, 3).decompress()
    sensitive = palettize(w, 3, importance=importance).decompress()
    weighted = lambda a: float((importance * (w - a) ** 2).sum())
    assert weighted(sensitive) < 0.8 * weighted(plain)


def test_kmeans_keeps_a_lone_outlier_weight_and_beats_one_start():
    """A single weight 30 standard deviations out (the "super weights" of LLMs: SmolLM2's MLPs have them) keeps
    a centroid of its own; k-means from quantiles alone pulled it to the bulk, and data-free 4-bit
    palettization of SmolLM2 went from perplexity 22 to 13,963 (docs/MEASUREMENTS.md)."""
    from compress.kmeans import _SortedGroups, weighted_kmeans

    values = torch.randn(8, 4096, generator=torch.Generator().manual_seed(3))
    values[2, 100] = 30.0
    values[5, 7] = -25.0
    centroids, idx = weighted_kmeans(values, 16)
    approx = centroids.gather(1, idx)
    assert abs(float(approx[2, 100]) - 30.0) < 0.5 and abs(float(approx[5, 7]) + 25.0) < 0.5
    groups = _SortedGroups(values, torch.ones_like(values))
    quantile_only = groups.lloyd(groups.quantiles(16), 100)
    assert bool((groups.cost(centroids) <= groups.cost(quantile_only) + 1e-9).all())
    # the prefix-sum Lloyd step agrees with assigning every value explicitly
    direct = float(((values - approx) ** 2).sum())
    assert abs(float(groups.cost(centroids).sum()) - direct) < 1e-6 * direct


def test_dynamic_programming_start_is_the_optimum_on_small_groups():
    """With at most `bins` values per group the dynamic-programming start is exact: it matches the best of every
    split of the sorted values into k contiguous clusters, found by brute force."""
    import itertools

    from compress.kmeans import _binned_optimum, _SortedGroups

    values = torch.randn(3, 24, generator=torch.Generator().manual_seed(4)) ** 3
    groups = _SortedGroups(values, torch.ones_like(values))
    costs = groups.cost(_binned_optimum(groups, 4).sort(dim=1).values)
    for g in range(3):
        v = groups.v[g].double()
        best = min(sum(float(((part - part.mean()) ** 2).sum()) for part in torch.tensor_split(v, list(cuts)))
                   for cuts in itertools.combinations(range(1, 24), 3))
        assert abs(float(costs[g]) - best) < 1e-9 * max(best, 1.0)


def test_data_free_kmeans_is_the_exact_optimum():
    """Unweighted groups get kmeans1d's optimal clustering: equal to the brute-force best split on small groups,
    and never worse than Lloyd's steps from the other starts on large heavy-tailed ones."""
    import itertools

    from compress.kmeans import _binned_optimum, _SortedGroups, exact_optimum, weighted_kmeans

    small = torch.randn(3, 20, generator=torch.Generator().manual_seed(5)) ** 3
    centroids, idx = weighted_kmeans(small, 4)
    assert exact_optimum(small, 4) is not None, "kmeans1d is a dependency"
    for g in range(3):
        v = small[g].double().sort().values
        best = min(sum(float(((part - part.mean()) ** 2).sum()) for part in torch.tensor_split(v, list(cuts)))
                   for cuts in itertools.combinations(range(1, 20), 3))
        got = float(((small[g].double() - centroids[g].double()[idx[g]]) ** 2).sum())
        assert abs(got - best) < 1e-5 * max(best, 1.0)
    large = torch.distributions.StudentT(3.0).sample((6, 3000))
    groups = _SortedGroups(large, torch.ones_like(large))
    exact, _ = weighted_kmeans(large, 16)
    lloyd = groups.lloyd(_binned_optimum(groups, 16), 100)
    assert bool((groups.cost(exact) <= groups.cost(lloyd) * (1 + 1e-6)).all())


@pytest.mark.parametrize("mode,granularity,block", [("symmetric", "per_channel", None), ("affine", "per_block", 32),
                                                     ("symmetric", "per_block", 32)])
@pytest.mark.parametrize("bits", [4, 8])
def test_linear_quant_bits_and_error(mode, granularity, block, bits):
    w = _weight()
    t = quantize_linear(w, bits, granularity=granularity, block_size=block, mode=mode)
    groups = w.shape[0] * (w.shape[1] // block if block else 1)
    expected = w.numel() * bits + groups * 16 + (groups * bits if mode == "affine" else 0)
    assert t.storage_bits == expected
    rel = float(((t.decompress() - w) ** 2).sum() / (w ** 2).sum())
    assert rel < (1e-4 if bits == 8 else 2e-2)


def test_pruning_hits_target_sparsity_and_n_m():
    w = _weight()
    keep = magnitude_mask(w, 0.4)
    assert 1 - keep.float().mean().item() == pytest.approx(0.4, abs=1 / w.numel())
    t = prune(w, keep)
    assert t.storage_bits == w.numel() + int(keep.sum()) * 16
    assert (t.decompress() == 0).float().mean().item() == pytest.approx(0.4, abs=1 / w.numel())
    nm = n_m_mask(w, 2, 4)
    assert torch.all(nm.reshape(64, -1, 4).sum(dim=2) == 2)


def test_joint_prune_then_palettize_counts_mask_and_nonzeros():
    w = _weight()
    keep = magnitude_mask(w, 0.4)
    t = prune_then(w, keep, "palettize", bits=4, granularity="per_grouped_channel", group_size=16)
    nnz = int(keep.sum())
    assert t.storage_bits == w.numel() + nnz * 4 + 4 * 16 * 16
    approx = t.decompress()
    assert torch.all(approx[~keep] == 0)
    assert approx[keep].unique().numel() <= 4 * 16


@pytest.mark.parametrize("table,field", [
    ({"technique": "quantum", "bits": 4}, "technique"),
    ({"technique": "palettize", "bits": 9}, "bits"),
    ({"technique": "palettize", "bits": 4, "colour": "red"}, "colour"),
    ({"technique": "prune"}, "sparsity"),
    ({"technique": "mixed"}, "target_bpw"),
    ({"technique": "palettize", "bits": 4, "override": [{"technique": "linear", "bits": 8}]}, "override[0].pattern"),
])
def test_bad_recipe_names_the_field(table, field):
    with pytest.raises(RecipeError) as info:
        parse_recipe(table)
    assert info.value.field == field and f"'{field}'" in str(info.value)


def test_group_size_that_does_not_divide_names_the_field():
    with pytest.raises(RecipeError, match="group_size"):
        palettize(_weight(rows=60), 4, granularity="per_grouped_channel", group_size=16, name="layer.q")


def test_every_named_recipe_loads():
    for name in ("int8", "int4-b32", "palettize4-g16", "palettize3-skm", "mixed-3.5", "mixed-linear-3.5",
                 "sparse40-palettize4"):
        assert load_recipe(name).name == name


def _logits(folder: Path, ids: torch.Tensor) -> torch.Tensor:
    from transformers import AutoModelForCausalLM

    with torch.no_grad():
        return AutoModelForCausalLM.from_pretrained(str(folder)).eval()(ids).logits


def test_compress_tiny_llama_end_to_end(tiny_llama, calibration, tmp_path):
    out = tmp_path / "p4"
    report = compress_model(tiny_llama, load_recipe("palettize4-g16"), out, calibration)
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    ref, got = _logits(tiny_llama, ids), _logits(out, ids)
    # every layer carries ~1% relative error at 4 bits; a random 4-layer model compounds it
    assert torch.nn.functional.cosine_similarity(ref.flatten(), got.flatten(), dim=0) > 0.93
    assert load_report(out)["bpw"] == pytest.approx(report["bpw"])
    rows = {r["name"]: r for r in report["layers"]}
    assert rows["model.embed_tokens"]["technique"] == "linear" and rows["model.embed_tokens"]["bits"] == 8
    assert rows["model.layers.0.self_attn.q_proj"]["technique"] == "palettize"
    size = (out / "compressed.safetensors").stat().st_size
    assert report["storage_bits"] / 8 <= size < report["storage_bits"] / 8 + 64 * 1024  # bits on disk = bits counted
    assert size < 0.55 * report["fp16_bytes"]
    assert any("activation" in n for n in report["notes"])


def test_mixed_lands_on_its_budget(tiny_llama, calibration, tmp_path):
    report = compress_model(tiny_llama, load_recipe("mixed-3.5"), tmp_path / "m", calibration)
    mixed = [r for r in report["layers"] if r["technique"] == "palettize"]
    bpw = sum(r["storage_bits"] for r in mixed) / sum(r["numel"] for r in mixed)
    assert abs(bpw - 3.5) <= 0.05
    assert len({r["bits"] for r in mixed}) >= 2
    # the report says what the target was measured over; the int8 embedding is outside the mix
    assert report["mixed"]["budget"] == "mixed-layers" and abs(report["mixed"]["mixed_layers_bpw"] - bpw) < 1e-9
    assert report["bpw"] > bpw + 1  # the whole model carries the 8-bit embedding (87% of this tiny model)
    assert "mixed layers" in format_report(report)


def test_mixed_whole_model_budget_counts_the_fixed_layers(tiny_llama, calibration, tmp_path):
    """budget = "model": the overridden and fp16 layers count toward the target, so the report's bpw lands on it;
    a target the fixed layers alone exceed is one clear error naming target_bpw."""
    import tomllib

    from compress.errors import CompressionError
    from compress.recipe import parse_recipe

    table = tomllib.loads('technique = "mixed"\ntarget_bpw = 3.5\nbudget = "model"\ngroup_size = 16\n'
                          'granularity = "per_grouped_channel"\ncalibration = "auto"\n'
                          '[[override]]\npattern = "*embed*"\ntechnique = "palettize"\nbits = 3\n'
                          'granularity = "per_tensor"\n')
    report = compress_model(tiny_llama, parse_recipe(table, "whole"), tmp_path / "w", calibration)
    assert abs(report["bpw"] - 3.5) <= 0.05 and report["mixed"]["budget"] == "model"
    table["override"][0]["bits"] = 8
    with pytest.raises(CompressionError, match="target_bpw over the whole model.*cannot be reached"):
        compress_model(tiny_llama, parse_recipe(table, "whole8"), tmp_path / "w8", calibration)
    assert not (tmp_path / "w8").exists()
    with pytest.raises(RecipeError, match="budget"):
        parse_recipe(dict(table, budget="everything"))


def test_fisher_recipe_needs_calibration(tiny_llama, tmp_path):
    from compress.errors import CompressionError

    with pytest.raises(CompressionError, match="--calibration"):
        compress_model(tiny_llama, load_recipe("palettize3-skm"), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_cli_compresses_real_minilm_and_reports(tmp_path):
    from sentence_transformers import SentenceTransformer

    out = tmp_path / "minilm-int8"
    cmd = [sys.executable, "-m", "kith.cli.entry", "compress", str(MINILM), "--recipe", "int8", "-o", str(out), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bpw"] == pytest.approx(8 + 16 / 384, abs=0.05)
    texts = ["dinner with Alice in Lisbon", "the quarterly budget review"]
    ref = SentenceTransformer(str(MINILM), device="cpu").encode(texts, normalize_embeddings=True)
    got = SentenceTransformer(str(out), device="cpu").encode(texts, normalize_embeddings=True)
    assert (ref * got).sum(axis=1).min() > 0.999
    report = subprocess.run([sys.executable, "-m", "kith.cli.entry", "compress", "report", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert "bits per weight" in report.stdout and "encoder.layer.0.attention.self.query" in report.stdout


def test_cli_bad_recipe_is_one_line(tmp_path):
    recipe = tmp_path / "bad.toml"
    recipe.write_text('technique = "palettize"\nbits = 9\n')
    done = subprocess.run([sys.executable, "-m", "kith.cli.entry", "compress", str(MINILM), "--recipe", str(recipe),
                           "-o", str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "'bits'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
