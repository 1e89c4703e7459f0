"""Orchestration tiers from ``[runtime.tiers]`` in kith.toml, and the router that picks one per request
and says why.

``device`` is always there. ``private`` is an OpenAI-compatible server the user trusts (vLLM with
multi-LoRA, llama.cpp, Ollama, another machine's `kith serve`): base URL + model. ``external`` is off
unless ``enabled = true``, and nothing goes there without consent (see ``serve.orchestrate``).

Escalation, in order: the user asked for a tier (``--tier``); the request needs more context than the
device model has; the device model's constrained draft failed; its mean token log-probability is
below ``min_mean_logprob``. Otherwise the device answers.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from indexer.errors import KithError

TIERS = ("device", "private", "external")
# Mean natural-log probability per generated token below which the device draft counts as unsure.
# Chosen from bench/tier_threshold.py (see docs/MEASUREMENTS.md, "kith serve and tiers").
DEFAULT_MIN_MEAN_LOGPROB = -1.4


class TierError(KithError):
    code = "tier_error"


@dataclass
class RemoteTier:
    name: str
    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 120.0

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc

    @classmethod
    def from_config(cls, name: str, data: dict[str, Any]) -> "RemoteTier":
        base_url, model = data.get("base_url"), data.get("model")
        if not isinstance(base_url, str) or urlparse(base_url).scheme not in ("http", "https"):
            raise TierError(f"[runtime.tiers.{name}] base_url must be an http(s) URL ending in /v1")
        if not isinstance(model, str) or not model:
            raise TierError(f"[runtime.tiers.{name}] needs model = \"NAME\" (or \"NAME:ADAPTER\")")
        return cls(name, base_url.rstrip("/"), model, _api_key(name, data), float(data.get("timeout_s", 120)))


def _api_key(name: str, data: dict[str, Any]) -> str | None:
    if data.get("api_key_env"):
        return os.environ.get(str(data["api_key_env"]))
    if data.get("api_key_file"):
        path = Path(str(data["api_key_file"])).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TierError(f"[runtime.tiers.{name}] api_key_file {path}: {exc.strerror}") from None
    return None


@dataclass
class TiersConfig:
    private: RemoteTier | None = None
    external: RemoteTier | None = None
    min_mean_logprob: float = DEFAULT_MIN_MEAN_LOGPROB
    device_model: str | None = None

    @classmethod
    def from_home_config(cls, config: dict[str, Any]) -> "TiersConfig":
        runtime = config.get("runtime") or {}
        tiers = runtime.get("tiers") or {}
        private = tiers.get("private") or {}
        external = tiers.get("external") or {}
        return cls(
            private=RemoteTier.from_config("private", private) if private.get("base_url") else None,
            external=RemoteTier.from_config("external", external) if external.get("enabled") else None,
            min_mean_logprob=float(tiers.get("min_mean_logprob", DEFAULT_MIN_MEAN_LOGPROB)),
            device_model=runtime.get("model"),
        )

    def remote(self, tier: str) -> RemoteTier:
        chosen = self.private if tier == "private" else self.external if tier == "external" else None
        if chosen is None:
            hint = ("set [runtime.tiers.private] base_url and model" if tier == "private"
                    else "set [runtime.tiers.external] enabled = true, base_url and model")
            raise TierError(f"the {tier} tier is not configured in kith.toml ({hint})")
        return chosen

    def escalation(self) -> str | None:
        return "private" if self.private else "external" if self.external else None


@dataclass
class Decision:
    tier: str
    reason: str
    signals: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def explain(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.signals.items() if v is not None)
        return f"tier: {self.tier} ({self.reason})" + (f" [{shown}]" if shown else "")


def route(config: TiersConfig, requested: str | None, prompt_tokens: int | None, device_context: int | None,
          draft_error: str | None, mean_logprob: float | None) -> Decision:
    """Pick the tier for one request from the measured signals; every branch records its reason."""
    signals = {"prompt_tokens": prompt_tokens, "device_context": device_context, "mean_logprob":
               None if mean_logprob is None else round(mean_logprob, 3), "threshold": config.min_mean_logprob}
    if requested:
        if requested not in TIERS:
            raise TierError(f"--tier must be one of {', '.join(TIERS)}")
        if requested != "device":
            config.remote(requested)
        return Decision(requested, f"asked for by the user (--tier {requested})", signals)
    target = config.escalation()
    if prompt_tokens is not None and device_context and prompt_tokens > device_context:
        why = f"needs {prompt_tokens} tokens of context; the device model has {device_context}"
    elif draft_error:
        why = f"the device model's constrained draft failed: {draft_error}"
    elif mean_logprob is not None and mean_logprob < config.min_mean_logprob:
        why = f"low device confidence: mean token log-prob {mean_logprob:.2f} < {config.min_mean_logprob}"
    elif device_context is None:
        return Decision("device", "no device model installed: extractive answer on this device", signals)
    else:
        return Decision("device", "the device model is confident enough and the context fits", signals)
    if target is None:
        return Decision("device", why + "; no other tier is configured, so it stays on this device", signals)
    return Decision(target, why, signals)
