"""`kith model import` of a `kith compress` folder (issue 14): linear 2/4/8-bit layers become MatMulNBits with
the packed file's own codes, other layers stay fp32, and the imported graph computes what the decompressed
weights compute (perplexity through onnxruntime-genai against torch on the same folder)."""
from __future__ import annotations

import json

import pytest

from compress.pipeline import compress_model
from compress.recipe import parse_recipe
from llm_fixtures import tiny_hf_model

RECIPE = {
    "name": "mixed-linear-test", "technique": "linear", "bits": 4, "granularity": "per_block", "block_size": 32,
    "mode": "symmetric",
    "override": [
        {"pattern": "*v_proj", "technique": "linear", "bits": 2, "granularity": "per_block", "block_size": 32},
        {"pattern": "*o_proj", "technique": "linear", "bits": 2, "granularity": "per_block", "block_size": 32},
        {"pattern": "*down_proj", "technique": "linear", "bits": 8, "granularity": "per_channel"},
        {"pattern": "*gate_proj", "technique": "palettize", "bits": 4, "granularity": "per_tensor"},
        {"pattern": "*embed*", "technique": "linear", "bits": 8, "granularity": "per_channel"},
    ],
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    from runtime.importer import import_model

    root = tmp_path_factory.mktemp("compressed-import")
    source = tiny_hf_model(root / "source", layers=2)
    out = root / "compressed"
    compress_model(source, parse_recipe(RECIPE), out)
    home = root / "home"
    home.mkdir()
    model = import_model(home, str(out), name="small", progress=False, accuracy_level=0)
    return out, model


def test_linear_layers_keep_their_width_and_palettized_ones_stay_fp32(imported):
    out, model = imported
    manifest = json.loads((model.path / "manifest.json").read_text())
    quant = manifest["quantization"]
    assert manifest["build_options"]["method"] == "compressed"
    compressed = quant["compressed"]
    assert compressed["codes_not_matching_the_graph"] == []
    # per layer: fused qkv (q, k at 4 bits, v at 2 -> 4), up (4), o (2), down (8); plus the tied lm_head (8)
    assert compressed["matmulnbits_nodes_by_bits"] == {"2": 2, "4": 4, "8": 3}
    gate = [n for n in quant["fp32_nodes"] if "gate_proj" in n]
    assert len(gate) == 2
    assert not (model.path / "hf" / "compressed.safetensors").exists()
    import onnx  # the LoRA graph (adapters, e.g. the recovery adapter, run on it) carries the same codes

    lora = onnx.load(str(model.path / "onnx-lora" / "model.onnx"), load_external_data=False)
    widths = sorted(a.i for n in lora.graph.node if n.op_type == "MatMulNBits" for a in n.attribute if a.name == "bits")
    assert widths == [2] * 4 + [4] * 6 + [8] * 3  # unfused there: v and o at 2; q, k and up at 4


def test_the_imported_graph_computes_the_decompressed_model(imported):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from runtime.ort_generator import OrtGenerator
    from runtime.perplexity import model_perplexity, torch_perplexity

    out, model = imported
    text = "the quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat " * 4
    ids = AutoTokenizer.from_pretrained(str(out))(text)["input_ids"][:120]
    ort = model_perplexity(OrtGenerator(model.onnx_dir, name="small"), ids, window=60).perplexity
    reference = torch_perplexity(AutoModelForCausalLM.from_pretrained(str(out)), ids, window=60).perplexity
    assert abs(ort - reference) / reference < 1e-3, (ort, reference)


def test_a_folder_without_a_report_is_quantized_as_before(tmp_path):
    from runtime.compressed_import import is_compressed_folder

    source = tiny_hf_model(tmp_path / "plain", layers=1)
    assert not is_compressed_folder(source)


def test_mixed_linear_lands_on_its_budget_and_runs_entirely_as_matmulnbits(tmp_path):
    """`mixed-linear-3.5`: 2/4/8-bit linear widths per layer from measured sensitivity, within 0.05 bits of the
    target over the mixed layers, and every one of them (and the int8 lm_head) runs as MatMulNBits."""
    from compress.recipe import load_recipe
    from runtime.importer import import_model
    from tiny_models import CALIBRATION_TEXT

    source = tiny_hf_model(tmp_path / "source", layers=4, hidden=128)
    calibration = tmp_path / "calibration.txt"
    calibration.write_text(CALIBRATION_TEXT)
    report = compress_model(source, load_recipe("mixed-linear-3.5"), tmp_path / "out", calibration)
    mixed = [r for r in report["layers"] if "embed" not in r["name"]]
    assert {r["technique"] for r in mixed} == {"linear"} and {r["bits"] for r in mixed} <= {2, 4, 8}
    assert len({r["bits"] for r in mixed}) >= 2
    assert abs(report["mixed"]["mixed_layers_bpw"] - 3.5) <= 0.05
    home = tmp_path / "home"
    home.mkdir()
    model = import_model(home, str(tmp_path / "out"), name="ml", progress=False, lora=False)
    quant = json.loads((model.path / "manifest.json").read_text())["quantization"]
    assert quant["fp32_nodes"] == [] and quant["compressed"]["codes_not_matching_the_graph"] == []
    assert sum(quant["compressed"]["matmulnbits_nodes_by_bits"].values()) == 4 * 5 + 1
