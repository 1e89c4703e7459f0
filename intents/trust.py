"""Versioning and trust: each intent's description and schemas are hashed; a third-party intent whose
hash differs from the approved one is disabled until ``kith intents approve NAME``.

Policy on first sight of a third-party intent: READ intents are trusted on first use (TOFU, the
hash is recorded automatically); WRITE, SEND and DESTRUCTIVE intents stay disabled until the user
approves them. Built-in intents ship with kith and are always trusted.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from intents.effects import Effect


def spec_hash(spec: Any) -> str:
    payload = {
        "name": spec.name, "title": spec.title, "description": spec.description, "effect": spec.effect.value,
        "input_schema": spec.input_schema, "output_schema": spec.output_schema,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class TrustStatus:
    enabled: bool
    reason: str           # builtin | approved | tofu | new | changed | disabled_in_config
    approved_hash: str | None = None

    def message(self, name: str) -> str:
        return {
            "new": f"intent {name!r} is a new third-party intent with side effects; "
                   f"review it with `kith intents show {name}` and enable it with `kith intents approve {name}`",
            "changed": f"intent {name!r} changed its description or schema since it was approved; "
                       f"review it with `kith intents show {name}` and re-approve with `kith intents approve {name}`",
            "disabled_in_config": f"intent {name!r} is disabled in kith.toml ([intents] disabled)",
        }.get(self.reason, f"intent {name!r} is enabled ({self.reason})")


class TrustStore:
    """Approvals in the store's ``intent_approvals`` table (migration m003)."""

    def __init__(self, store: Any, disabled: set[str] | None = None) -> None:
        self.store = store  # indexer.store.Store
        self.disabled = disabled or set()

    def approved_hash(self, name: str) -> str | None:
        return self.store.approved_intent_hash(name)

    def status(self, spec: Any, record_tofu: bool = True) -> TrustStatus:
        if spec.name in self.disabled:
            return TrustStatus(False, "disabled_in_config")
        if not spec.third_party:
            return TrustStatus(True, "builtin")
        current = spec_hash(spec)
        approved = self.approved_hash(spec.name)
        if approved is None:
            if spec.effect is Effect.READ:
                if record_tofu:
                    self.approve(spec, by="tofu")
                return TrustStatus(True, "tofu", current)
            return TrustStatus(False, "new")
        if approved != current:
            return TrustStatus(False, "changed", approved)
        return TrustStatus(True, "approved", approved)

    def approve(self, spec: Any, by: str = "user") -> str:
        digest = spec_hash(spec)
        self.store.approve_intent(spec.name, digest, spec.origin, by)
        return digest
