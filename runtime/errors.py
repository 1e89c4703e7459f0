"""User-facing errors of the model runtime, each with a stable ``code`` (printed as one line by the CLI)."""
from __future__ import annotations

from indexer.errors import KithError


class RuntimeModelError(KithError):
    """Base class for model runtime errors; ``code`` is stable and machine-readable."""

    code = "model_error"


class ModelNotFound(RuntimeModelError):
    code = "model_not_found"

    def __init__(self, name: str, available: list[str] | None = None) -> None:
        hint = f" (installed: {', '.join(available)})" if available else " (run `kith model import` first)"
        super().__init__(f"no model named {name!r}{hint}")
        self.name = name


class ModelExists(RuntimeModelError):
    code = "model_exists"


class BadModelSource(RuntimeModelError):
    """The import source is missing, truncated, of an unsupported architecture, or lacks a file."""

    code = "bad_model_source"


class BadModelName(RuntimeModelError):
    code = "bad_model_name"


class CorruptModel(RuntimeModelError):
    """An installed model folder is missing files or its manifest is unreadable."""

    code = "corrupt_model"


class PromptTooLong(RuntimeModelError):
    code = "prompt_too_long"

    def __init__(self, prompt_tokens: int, context_length: int, max_tokens: int = 0) -> None:
        extra = f" plus max_tokens {max_tokens}" if max_tokens else ""
        super().__init__(
            f"prompt is {prompt_tokens} tokens{extra} but the model's context is {context_length} tokens; "
            "shorten the prompt"
        )
        self.prompt_tokens = prompt_tokens
        self.context_length = context_length


class AdapterUnavailable(RuntimeModelError):
    """An adapter was requested but this generator has no adapter provider, or the adapter is unknown."""

    code = "adapter_unavailable"


class BadConstraint(RuntimeModelError):
    """A JSON Schema, grammar or regex constraint that cannot be used."""

    code = "bad_constraint"


class GenerationFailed(RuntimeModelError):
    code = "generation_failed"
