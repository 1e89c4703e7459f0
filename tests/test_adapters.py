"""LoRA adapters on a tiny random llama: PEFT parity, switching, LRU, sha256 checks and refusals."""
from __future__ import annotations

import json

import numpy as np
import pytest

from adapter_fixtures import lora_env, tree_state  # noqa: F401  (session fixture)

pytestmark = pytest.mark.timeout(600)
IDS = [5, 17, 33, 60, 71, 100, 3, 9, 42, 250]


def og_logits(model, ids, adapters=None, name=""):
    import onnxruntime_genai as og

    params = og.GeneratorParams(model)
    params.set_search_options(max_length=64)
    generator = og.Generator(model, params)
    if adapters is not None:
        generator.set_active_adapter(adapters, name)
    generator.append_tokens(ids)
    return np.array(generator.get_output("logits"))[0]


def torch_logits(hf_dir, ids, peft_dir=None):
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
    if peft_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, peft_dir)
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


@pytest.fixture(scope="module")
def imported(lora_env):
    from runtime.adapter_store import AdapterStore

    store = AdapterStore.for_home(lora_env.home)
    for name in ("a", "b"):
        store.import_peft(lora_env.peft[name], name, replace=True)
    return store


def test_onnx_plus_adapter_matches_peft_model(lora_env, imported):
    import onnxruntime_genai as og

    model = og.Model(str(lora_env.lora_dir))
    base = og_logits(model, IDS)
    np.testing.assert_allclose(base, torch_logits(lora_env.hf_dir, IDS), atol=1e-4, rtol=0)
    adapters = og.Adapters(model)
    for name in ("a", "b"):  # all projections at rank 4; q/v only at rank 2 (the rest keep their empty default)
        adapters.load(str(imported.get(name).file), name)
        ours = og_logits(model, IDS, adapters, name)
        reference = torch_logits(lora_env.hf_dir, IDS, lora_env.peft[name])
        assert np.abs(reference - base).max() > 0.05, "the adapter must change the logits for the test to mean anything"
        np.testing.assert_allclose(ours, reference, atol=1e-4, rtol=0)


def test_import_records_what_the_spec_asks(lora_env, imported):
    from runtime.model_store import ModelStore, sha256_file

    record = imported.get("a")
    m = record.manifest
    assert m["model"] == "tiny" and m["rank"] == 4 and m["alpha"] == 8 and m["scaling"] == 2.0
    assert m["targets"] == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert m["base_model_hash"] == ModelStore.for_home(lora_env.home).get("tiny").base_model_hash != ""
    assert m["sha256"] == sha256_file(record.file) and m["size_bytes"] == record.file.stat().st_size
    assert imported.get("b").manifest["targets"] == ["q_proj", "v_proj"]


def test_switching_adapters_changes_output_and_back_restores_it_exactly(lora_env, imported):
    from runtime.adapter_manager import AdapterManager
    from runtime.ort_generator import OrtGenerator

    manager = AdapterManager(imported, "tiny")
    generator = OrtGenerator(imported.models.get("tiny").onnx_dir, name="tiny", adapter_provider=manager)
    messages = [{"role": "user", "content": "Meet Alice at 10:30"}]
    runs = {}
    for step, adapter in enumerate(["a", "b", None, "a", None, "b"]):
        result = generator.generate(messages, adapter=adapter, max_tokens=12, temperature=0.0)
        assert result.adapter == adapter
        runs.setdefault(adapter, []).append(result.token_ids)
    assert runs["a"][0] == runs["a"][1] and runs["b"][0] == runs["b"][1] and runs[None][0] == runs[None][1]
    assert len({tuple(runs[k][0]) for k in ("a", "b", None)}) == 3
    assert manager.stats["cold_loads"] == 2 and manager.stats["warm_hits"] == 2


def test_lru_evicts_under_the_budget(lora_env, imported):
    from runtime.adapter_manager import AdapterManager

    size_a, size_b = imported.get("a").size_bytes, imported.get("b").size_bytes
    budget_mb = (size_a + size_b - 1) / (1024 * 1024)  # both do not fit, either one does
    manager = AdapterManager(imported, "tiny", budget_mb=budget_mb)
    manager.activate("a")
    manager.activate("b")
    assert manager.loaded() == ["b"] and manager.stats["evictions"] == 1
    assert manager.loaded_bytes() <= budget_mb * 1024 * 1024
    manager.activate("a")
    assert manager.loaded() == ["a"] and manager.stats["cold_loads"] == 3
    roomy = AdapterManager(imported, "tiny", budget_mb=1.0)
    for name in ("a", "b", "a"):
        roomy.activate(name)
    assert roomy.loaded() == ["b", "a"] and roomy.stats == {"cold_loads": 2, "warm_hits": 1, "evictions": 0}
    tiny_budget = AdapterManager(imported, "tiny", budget_mb=0.0)  # the active adapter always stays loaded
    _, adapters, key = tiny_budget.activate("b")
    assert adapters is not None and key == "b" and tiny_budget.loaded() == ["b"]


def test_changed_adapter_file_is_refused_until_reimported(lora_env, imported):
    from runtime.adapter_errors import AdapterChanged
    from runtime.adapter_manager import AdapterManager

    imported.import_peft(lora_env.peft["a"], "tampered")
    manager = AdapterManager(imported, "tiny")
    manager.activate("tampered")
    path = imported.get("tampered").file
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(AdapterChanged, match="changed on disk"):
        manager.activate("tampered")  # loaded before: the stat change forces a re-hash
    with pytest.raises(AdapterChanged, match="changed on disk"):
        AdapterManager(imported, "tiny").activate("tampered")
    imported.import_peft(lora_env.peft["a"], "tampered", replace=True)
    assert manager.activate("tampered")[2] == "tampered"
    imported.remove("tampered")


@pytest.mark.parametrize("case, code, message", [
    ("other", "adapter_mismatch", "in_features 96 but model 'tiny' has 64: it was trained for another base model"),
    ("renamed", "adapter_mismatch", "trained on base model 'meta-llama/Llama-3.2-1B'"),
    ("corrupt", "bad_adapter", "not a valid .onnx_adapter file"),
    ("truncated", "bad_adapter", "not a valid .onnx_adapter file"),
    ("no-config", "bad_adapter", "no adapter_config.json"),
])
def test_bad_adapters_give_one_clear_error_and_leave_the_home_unchanged(lora_env, imported, tmp_path, case, code,
                                                                      message):
    from runtime.adapter_errors import AdapterError

    good = imported.get("a").file.read_bytes()
    if case == "corrupt":
        source = tmp_path / "x.onnx_adapter"
        source.write_bytes(b"\x00" * 64 + good[64:])
    elif case == "truncated":
        source = tmp_path / "x.onnx_adapter"
        source.write_bytes(good[: len(good) // 2])
    elif case == "no-config":
        source = tmp_path / "empty"
        source.mkdir()
    else:
        source = lora_env.peft[case]
    before = tree_state(lora_env.home)
    with pytest.raises(AdapterError) as caught:
        imported.import_peft(source, "bad")
    assert caught.value.code == code and message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert tree_state(lora_env.home) == before


def test_a_converted_onnx_adapter_imports_directly(lora_env, imported):
    record = imported.import_peft(imported.get("b").file, "b-copy")
    assert record.manifest["rank"] == 2 and record.manifest["targets"] == ["q_proj", "v_proj"]
    assert record.manifest["alpha"] is None
    imported.remove("b-copy")


def test_cli_adapters_import_list_info_remove(lora_env, imported):
    from click.testing import CliRunner

    from kith.cli.main import cli

    runner = CliRunner()
    home = ["--home", str(lora_env.home)]
    result = runner.invoke(cli, ["adapters", "import", str(lora_env.peft["b"]), "--name", "cli-b", "--json", *home])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rank"] == 2
    listed = json.loads(runner.invoke(cli, ["adapters", "list", "--json", *home]).output)
    assert "cli-b" in [a["name"] for a in listed]
    info = runner.invoke(cli, ["adapters", "info", "cli-b", "--verify", "--json", *home])
    assert json.loads(info.output)["verified"] is True
    again = runner.invoke(cli, ["adapters", "import", str(lora_env.peft["b"]), "--name", "cli-b", *home])
    assert again.exit_code == 1 and again.output.count("\n") == 1 and "already exists" in again.output
    assert runner.invoke(cli, ["adapters", "remove", "cli-b", *home]).exit_code == 0
    missing = runner.invoke(cli, ["adapters", "info", "cli-b", *home])
    assert missing.exit_code == 1 and "no adapter named 'cli-b'" in missing.output
