"""OPTQ error compensation (`compress.compensate`): on correlated inputs it lowers the layer's output error
tr(D H D^T) against plain nearest rounding on the same grid, keeps the grid (bits per weight, at most 2^bits
values per table, pruned weights zero), and a recipe turns it on with `compensate = true`."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from compress.compensate import compensate, output_error
from compress.errors import RecipeError
from compress.joint import prune_then
from compress.linear_quant import quantize_linear
from compress.palettize import palettize
from compress.pipeline import compress_model
from compress.prune import magnitude_mask
from compress.recipe import load_recipe, parse_recipe
from tiny_models import CALIBRATION_TEXT, build_tiny_llama


def _layer(rows: int = 32, cols: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A weight and the Hessian E[x x^T] of strongly correlated inputs (as real activations are)."""
    g = torch.Generator().manual_seed(seed)
    weight = torch.randn(rows, cols, generator=g)
    mix = torch.randn(cols, 8, generator=g)
    x = torch.randn(4096, 8, generator=g) @ mix.T + 0.1 * torch.randn(4096, cols, generator=g)
    return weight, x.T @ x / x.shape[0]


def test_optq_lowers_the_output_error_of_palettization():
    weight, hessian = _layer()
    plain = palettize(weight, 3, granularity="per_grouped_channel", group_size=8)
    before = output_error(weight, plain.decompress(), hessian)[0]
    bits_before, lut = plain.storage_bits, plain.floats["lut"].copy()
    fixed = compensate(plain, weight, hessian)
    after = output_error(weight, fixed.decompress(), hessian)[0]
    assert after < 0.6 * before
    assert fixed.storage_bits == bits_before and (fixed.floats["lut"] == lut).all()  # same table, same bits
    approx = fixed.decompress().reshape(4, -1)
    assert all(group.unique().numel() <= 8 for group in approx)
    # the codes move: compensation is not nearest rounding of the original weight
    assert (fixed.decompress() != plain.rebuild(palettize(weight, 3, granularity="per_grouped_channel",
                                                           group_size=8))).any()


@pytest.mark.parametrize("mode", ["symmetric", "affine"])
def test_optq_lowers_the_output_error_of_int4_blocks(mode):
    weight, hessian = _layer(seed=1)
    plain = quantize_linear(weight, 4, granularity="per_block", block_size=32, mode=mode)
    before = output_error(weight, plain.decompress(), hessian)[0]
    fixed = compensate(plain, weight, hessian)
    assert output_error(weight, fixed.decompress(), hessian)[0] < 0.7 * before
    assert int(fixed.ints["values"].values.max()) <= 15 and fixed.storage_bits == plain.storage_bits


def test_optq_keeps_pruned_weights_at_zero():
    weight, hessian = _layer(seed=2)
    keep = magnitude_mask(weight, 0.4)
    plain = prune_then(weight, keep, "palettize", bits=4, granularity="per_grouped_channel", group_size=8)
    before = output_error(weight, plain.decompress(), hessian)[0]
    fixed = compensate(plain, weight, hessian)
    approx = fixed.decompress()
    assert torch.all(approx[~keep] == 0)
    assert output_error(weight, approx, hessian)[0] < before


def test_a_hessian_of_the_wrong_size_is_one_clear_error():
    weight, hessian = _layer()
    from compress.errors import CompressionError

    with pytest.raises(CompressionError, match="does not match 96 input columns"):
        compensate(palettize(weight, 4), weight, hessian[:10, :10])


@pytest.mark.parametrize("table,field", [
    ({"technique": "palettize", "bits": 4, "compensate": "yes"}, "compensate"),
    ({"technique": "prune", "sparsity": 0.5, "compensate": True}, "compensate"),
])
def test_bad_compensate_names_the_field(table, field):
    with pytest.raises(RecipeError) as info:
        parse_recipe(table)
    assert info.value.field == field


def test_compress_with_compensation_end_to_end(tmp_path):
    """The same recipe with and without `compensate`: lower total output error, the same bits per weight."""
    model = build_tiny_llama(tmp_path / "m")
    text = tmp_path / "calibration.txt"
    text.write_text(CALIBRATION_TEXT * 3)
    base = {"name": "p3", "technique": "palettize", "bits": 3, "granularity": "per_grouped_channel",
            "group_size": 16, "override": [{"pattern": "*embed*", "technique": "linear", "bits": 8}]}
    plain = compress_model(model, parse_recipe(base), tmp_path / "plain", text)
    fixed = compress_model(model, parse_recipe({**base, "compensate": True}), tmp_path / "fixed", text)
    assert fixed["bpw"] == plain["bpw"]
    rows = [r for r in fixed["layers"] if r["technique"] == "palettize"]
    assert rows and all(r["compensated"] for r in rows)
    assert any("OPTQ" in n for n in fixed["notes"])
    plain_rows = {r["name"]: r for r in plain["layers"]}
    better = sum(r["error"] < plain_rows[r["name"]]["error"] for r in rows)
    assert better == len(rows)
    assert (Path(tmp_path / "fixed") / "config.json").is_file()


def test_compensation_without_calibration_says_it_was_skipped(tmp_path):
    model = build_tiny_llama(tmp_path / "m", layers=1)
    report = compress_model(model, parse_recipe({"technique": "linear", "bits": 4, "granularity": "per_block",
                                                 "block_size": 32, "compensate": True}), tmp_path / "o")
    assert any("compensation skipped" in n for n in report["notes"])
    assert not any(r.get("compensated") for r in report["layers"])


def test_named_int4_recipe_still_loads_without_compensation():
    assert load_recipe("int4-b32").default.compensate is False
