"""Accuracy-recovery adapter training on a tiny random model: it lowers the held-out distillation
loss, resumes from its checkpoint after an interruption, and refuses bad inputs in one line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from compress.pipeline import compress_model
from compress.recipe import load_recipe
from tiny_models import CALIBRATION_TEXT, build_tiny_llama
from training.distill import train_recovery
from training.errors import TrainingError
from training.lora_trainer import LoraSettings, attach_lora, learning_rate_at, train


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("recovery")
    reference = build_tiny_llama(root / "reference", layers=2, hidden=64)
    text = root / "calibration.txt"
    text.write_text(CALIBRATION_TEXT * 2)
    compressed = root / "compressed"
    compress_model(reference, load_recipe("palettize2-g16"), compressed, text)
    return reference, compressed, text


def test_recovery_adapter_lowers_distillation_loss(models, tmp_path):
    reference, compressed, text = models
    out = tmp_path / "recovery"
    summary = train_recovery(compressed, reference, text, out, LoraSettings(steps=30, learning_rate=2e-3),
                             seq_len=32, batch_size=4)
    assert summary["heldout_kl_after"] < 0.9 * summary["heldout_kl_before"]
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 16 and set(config["target_modules"]) == {
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert (out / "adapter_model.safetensors").is_file()
    assert not out.with_name(out.name + ".checkpoint").exists()


def test_training_resumes_from_its_checkpoint(tmp_path):
    from transformers import AutoModelForCausalLM

    folder = build_tiny_llama(tmp_path / "m", layers=1, hidden=64)
    settings = LoraSettings(steps=8, checkpoint_every=2)
    batch = torch.randint(0, 1000, (2, 16))

    def run(interrupt_at: int | None):
        model = attach_lora(AutoModelForCausalLM.from_pretrained(str(folder)), settings)

        def loss(step: int) -> torch.Tensor:
            if step == interrupt_at:
                raise KeyboardInterrupt
            return model(input_ids=batch, labels=batch).loss

        return train(model, loss, settings, tmp_path / "adapter", {"test": 1})

    with pytest.raises(KeyboardInterrupt):
        run(interrupt_at=5)
    assert not (tmp_path / "adapter").exists() and (tmp_path / "adapter.checkpoint").is_dir()
    result = run(interrupt_at=None)
    assert result["resumed_from"] == 5 and len(result["losses"]) == 8
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()


def test_linear_schedule_warms_up_then_decays_to_zero():
    settings = LoraSettings(steps=100, learning_rate=1e-3, schedule="linear", warmup_share=0.1)
    rates = [learning_rate_at(s, settings) for s in range(100)]
    assert rates[0] == pytest.approx(1e-4) and rates[9] == pytest.approx(1e-3)
    assert all(a < b for a, b in zip(rates[:9], rates[1:10]))
    assert all(a > b for a, b in zip(rates[10:], rates[11:]))
    assert 0 < rates[-1] < 2e-5
    assert {learning_rate_at(s, LoraSettings(learning_rate=1e-3)) for s in range(200)} == {1e-3}
    with pytest.raises(TrainingError, match="schedule 'cosine' is not one of constant, linear"):
        learning_rate_at(0, LoraSettings(schedule="cosine"))


def test_a_resumed_run_follows_the_schedule_exactly(tmp_path):
    """Interrupted and resumed, a linear-schedule run ends with the same weights as one that never stopped."""
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    folder = build_tiny_llama(tmp_path / "m", layers=1, hidden=64)
    settings = LoraSettings(steps=8, checkpoint_every=2, schedule="linear", learning_rate=5e-3)
    batch = torch.randint(0, 1000, (2, 16))

    def run(out: Path, interrupt_at: int | None):
        torch.manual_seed(1)
        model = attach_lora(AutoModelForCausalLM.from_pretrained(str(folder)), settings)

        def loss(step: int) -> torch.Tensor:
            if step == interrupt_at:
                raise KeyboardInterrupt
            return model(input_ids=batch, labels=batch).loss

        return train(model, loss, settings, out, {"test": 2})

    run(tmp_path / "straight", None)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "resumed", interrupt_at=5)
    assert run(tmp_path / "resumed", None)["resumed_from"] == 5
    straight = load_file(tmp_path / "straight" / "adapter_model.safetensors")
    resumed = load_file(tmp_path / "resumed" / "adapter_model.safetensors")
    assert straight.keys() == resumed.keys()
    assert any(float(v.abs().max()) > 0 for k, v in straight.items() if "lora_B" in k)  # it trained
    for key in straight:
        torch.testing.assert_close(resumed[key], straight[key], rtol=0, atol=1e-6)


def test_bad_inputs_are_one_clear_error(models, tmp_path):
    reference, compressed, text = models
    short = tmp_path / "short.txt"
    short.write_text("too short")
    with pytest.raises(TrainingError, match="too short"):
        train_recovery(compressed, reference, short, tmp_path / "a", LoraSettings(steps=1), seq_len=32)
    with pytest.raises(TrainingError, match="not a model folder"):
        train_recovery(tmp_path / "nowhere", reference, text, tmp_path / "b", LoraSettings(steps=1))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
