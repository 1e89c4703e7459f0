"""The import pipeline's LoRA graph (int4 base, fp32 LoRA inputs) on the shared tiny model, and `kith generate --adapter`."""
from __future__ import annotations

import json

import numpy as np
import pytest

from adapter_fixtures import ALL_TARGETS, make_peft
from llm_fixtures import tiny_model  # noqa: F401  (session fixture)

pytestmark = pytest.mark.timeout(900)


def _logits(onnx_dir, ids):
    import onnxruntime_genai as og

    model = og.Model(str(onnx_dir))
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=64)
    generator = og.Generator(model, params)
    generator.append_tokens(ids)
    return np.array(generator.get_output("logits"))[0]


def test_imported_lora_graph_is_quantized_like_the_plain_graph_with_fp32_lora_inputs(tiny_model):
    import onnx

    from runtime.lora_graph import load_spec

    folder = tiny_model.home / "models" / tiny_model.name
    plain = onnx.load(str(folder / "onnx" / "model.onnx"), load_external_data=False)
    lora = onnx.load(str(folder / "onnx-lora" / "model.onnx"), load_external_data=False)
    count = lambda m, op: sum(n.op_type == op for n in m.graph.node)  # noqa: E731
    spec = load_spec(folder / "onnx-lora")
    # every base projection is 4-bit in both; the LoRA graph has q, k and v unfused (3 MatMuls instead of 1)
    assert count(lora, "MatMulNBits") == 7 * spec["num_layers"] + 1 == count(plain, "MatMulNBits") + 2 * spec["num_layers"]
    assert spec["targets"] == ALL_TARGETS and len(spec["params"]) == 2 * len(ALL_TARGETS) * spec["num_layers"]
    inputs = {i.name: i for i in lora.graph.input}
    for name in spec["params"]:
        assert inputs[name].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    lora_matmuls = [n for n in lora.graph.node if "/lora_" in n.name]
    assert lora_matmuls and all(n.op_type == "MatMul" for n in lora_matmuls)
    ids = [5, 17, 33, 60, 71, 100, 3, 9]
    np.testing.assert_allclose(_logits(folder / "onnx-lora", ids), _logits(folder / "onnx", ids), atol=2e-3, rtol=0)


def test_generate_with_an_adapter_through_the_cli(tiny_model, tmp_path):
    from click.testing import CliRunner

    from kith.cli.main import cli

    peft = make_peft(tiny_model.hf_dir, tmp_path / "peft", seed=7, rank=4, targets=ALL_TARGETS)
    runner = CliRunner()
    home = ["--home", str(tiny_model.home)]
    imported = runner.invoke(cli, ["adapters", "import", str(peft), "--name", "style", "--model", tiny_model.name,
                                   "--replace", *home])
    assert imported.exit_code == 0, imported.output
    args = ["generate", "Meet Alice", "--model", tiny_model.name, "--max-tokens", "10", "--json", *home]
    plain = json.loads(runner.invoke(cli, args).output)
    adapted = json.loads(runner.invoke(cli, [*args, "--adapter", "style"]).output)
    assert plain["adapter"] is None and adapted["adapter"] == "style"
    assert plain["text"] != adapted["text"]
    unknown = runner.invoke(cli, [*args, "--adapter", "nope"])
    assert unknown.exit_code == 1 and "no adapter named 'nope'" in unknown.output
