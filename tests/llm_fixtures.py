"""Tiny random language models for tests: a small trained BPE tokenizer + a random LlamaForCausalLM.

``tiny_hf_model(folder)`` writes a complete Hugging Face folder (config, safetensors, tokenizer with a ChatML
chat template) in about a second; ``tiny_model`` (session fixture, see tests/conftest.py via
``pytest_plugins``) imports it through the real pipeline into a session-wide kith home, so every test that
needs a model shares one build. Nothing is downloaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
TRAINING_TEXT = [
    "The quick brown fox jumps over the lazy dog. {\"name\": \"kith\", \"count\": 12, \"ok\": true}",
    "Meet Alice at 10:30 on Tuesday about the quarterly report; bring the slides.",
    "JSON: [1, 2, 3], {\"a\": null, \"b\": [\"x\", \"y\"]} - numbers 0123456789 and letters abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ !?.,;:'\"()[]{}<>/\\|@#$%^&*-+=_~` tabs\tand\nnewlines",
] * 20


def build_tokenizer(folder: Path, vocab_size: int = 384) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(TRAINING_TEXT, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", unk_token="<|endoftext|>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)


def tiny_hf_model(folder: Path, *, hidden: int = 64, layers: int = 2, seed: int = 0, context: int = 256) -> Path:
    """Write a random tiny llama (tied embeddings, GQA) with a real tokenizer to ``folder``."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context, tie_word_embeddings=True,
        bos_token_id=tokenizer.convert_tokens_to_ids("<|im_start|>"), eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"), rms_norm_eps=1e-5,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # larger weights than the init default so the random model's choices are not all ties
        for parameter in model.parameters():
            if parameter.dim() == 2:
                parameter.normal_(0.0, 0.2)
    model.save_pretrained(folder, safe_serialization=True)
    return folder


@dataclass
class TinyModel:
    home: Path
    name: str
    hf_dir: Path
    source_dir: Path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> TinyModel:
    """A tiny random llama imported (fp32 build + int4 quantization) into a session-wide kith home."""
    from runtime.importer import import_model

    root = tmp_path_factory.mktemp("tiny-llm")
    source = tiny_hf_model(root / "source")
    home = root / "home"
    home.mkdir()
    model = import_model(home, str(source), name="tiny", progress=False, keep_fp32=True)
    return TinyModel(home=home, name="tiny", hf_dir=model.path / "hf", source_dir=source)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())
