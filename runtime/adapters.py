"""The adapters facade other packages import (``kith generate``, ``kith serve``): providers and listings.

The work lives in ``runtime.adapter_store`` (import, records) and ``runtime.adapter_manager`` (loading, LRU).
"""
from __future__ import annotations

from typing import Any

from runtime.adapter_manager import AdapterManager, provider_for

adapter_provider_for = provider_for


def list_adapters(home: Any, model: str | None = None) -> list[str]:
    """Names of the adapters imported for ``model`` (every model's when ``None``)."""
    from runtime.adapter_store import AdapterStore

    return [r.name for r in AdapterStore.for_home(home).list() if model is None or r.model == model]


__all__ = ["AdapterManager", "adapter_provider_for", "list_adapters", "provider_for"]
