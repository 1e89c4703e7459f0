"""Errors of LoRA adapter import, storage and activation, each with a stable ``code`` (one line in the CLI)."""
from __future__ import annotations

from runtime.errors import RuntimeModelError


class AdapterError(RuntimeModelError):
    code = "adapter_error"


class BadAdapter(AdapterError):
    """The PEFT folder or ``.onnx_adapter`` file is missing, unreadable, corrupt, or of an unsupported kind."""

    code = "bad_adapter"


class AdapterMismatch(AdapterError):
    """The adapter does not fit the model: other base model, rank, target modules, layer or width."""

    code = "adapter_mismatch"


class AdapterNotFound(AdapterError):
    code = "adapter_not_found"

    def __init__(self, name: str, available: list[str] | None = None) -> None:
        hint = f" (imported: {', '.join(available)})" if available else " (run `kith adapters import` first)"
        super().__init__(f"no adapter named {name!r}{hint}")
        self.name = name


class AdapterExists(AdapterError):
    code = "adapter_exists"


class AdapterChanged(AdapterError):
    """The adapter file's sha256 differs from what was imported: refused until re-imported."""

    code = "adapter_changed"


class NoLoraGraph(AdapterError):
    """The model has no LoRA-capable graph (``onnx-lora/``) to run adapters on."""

    code = "no_lora_graph"
