"""The adapter manager: on disk -> loaded (``og.Adapters``) -> active for one request, with an LRU under a budget.

It implements ``runtime.generator.AdapterProvider``: ``activate(name)`` returns the LoRA-capable ``og.Model``
(``HOME/models/M/onnx-lora``, opened on first use), the ``og.Adapters`` holding that adapter, and the name to
pass to ``Generator.set_active_adapter``. The generator runs its plain graph when no adapter is requested.

- **Verify.** The first load of a file in a process hashes it (in a thread, while onnxruntime-genai parses it)
  and compares it with the import record; later loads of the same unchanged file (same size, mtime, ctime,
  inode) reuse that result, so reloading an adapter the LRU evicted costs the onnxruntime load only; an activation of a loaded
  adapter re-hashes only when the file's size or mtime changed. A changed file raises ``AdapterChanged`` until
  ``kith adapters import`` is run again (same spirit as ``kith intents approve``).
- **LRU.** Loaded adapters are kept, most recently used last, while their file sizes sum to at most
  ``[runtime] adapter_cache_mb`` (default 64). The adapter being activated is never evicted, even when it
  alone exceeds the budget.
- **One active adapter per request.** onnxruntime refuses two active adapters that touch the same parameters;
  an adapter trained on top of another one is imported as a single file that carries both.

Not thread-safe on its own: callers serialise generations per model (the daemon does).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.adapter_errors import AdapterChanged
from runtime.adapter_store import AdapterRecord, AdapterStore
from runtime.lora_graph import LORA_DIR

if TYPE_CHECKING:  # pragma: no cover
    import onnxruntime_genai as og

DEFAULT_CACHE_MB = 64.0


@dataclass
class _Loaded:
    adapters: "og.Adapters"
    size_bytes: int
    stat: tuple[int, ...]  # _stat() of the file when it was verified
    sha256: str


def _stat(path: Path) -> tuple[int, ...]:
    """What changes when a file is written or replaced (ctime cannot be set back by a user)."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


# (path, stat identity) -> sha256, for files hashed in this process: an adapter evicted from the LRU and loaded
# again (or loaded by a second manager) is re-hashed only if its file changed since it was hashed.
_VERIFIED: dict[tuple[str, tuple[int, ...]], str] = {}
_VERIFIED_LOCK = threading.Lock()


def forget_verified() -> None:
    """Drop the process-wide record of hashed files (the next load of every adapter hashes it again)."""
    with _VERIFIED_LOCK:
        _VERIFIED.clear()


def cache_budget_mb(config: dict[str, Any] | None) -> float:
    """``[runtime] adapter_cache_mb`` from kith.toml, or the default."""
    section = (config or {}).get("runtime", {})
    value = section.get("adapter_cache_mb", DEFAULT_CACHE_MB) if isinstance(section, dict) else DEFAULT_CACHE_MB
    return max(float(value), 0.0)


class AdapterManager:
    """Loads, caches and activates adapters for one installed model."""

    def __init__(self, store: AdapterStore, model_name: str | None = None, *, budget_mb: float | None = None) -> None:
        self.store = store
        self.model = store.models.get(model_name or store.models.default_name())
        self.budget_bytes = int((budget_mb if budget_mb is not None else cache_budget_mb(store.models.config))
                                * 1024 * 1024)
        self._lora_model: Any = None
        self._loaded: "OrderedDict[str, _Loaded]" = OrderedDict()
        self.stats = {"cold_loads": 0, "warm_hits": 0, "evictions": 0}

    @classmethod
    def for_home(cls, home: Any, model_name: str | None = None, *, budget_mb: float | None = None) -> "AdapterManager":
        return cls(AdapterStore.for_home(home), model_name, budget_mb=budget_mb)

    # -- the AdapterProvider hook -----------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether an adapter ``name`` is imported for this model (the agent activates task adapters by name)."""
        return any(r.name == name and r.model == self.model.name for r in self.store.list())

    def activate(self, name: str) -> "tuple[og.Model, og.Adapters | None, str]":
        """Load ``name`` if needed (verifying its sha256) and return what the generator needs to run it."""
        record = self.store.get(name)
        self.store.check_for_model(record, self.model)
        model = self.lora_model()
        entry = self._loaded.get(name)
        if entry is not None and (entry.sha256 != record.sha256 or entry.stat != self._safe_stat(record)):
            self.unload(name)  # re-imported or touched: verify again from disk
            entry = None
        if entry is None:
            entry = self._load(record, model)
        else:
            self.stats["warm_hits"] += 1
            self._loaded.move_to_end(name)
        self._evict(keep=name)
        return model, entry.adapters, name

    # -- tiers -------------------------------------------------------------------------------------
    def lora_model(self) -> "og.Model":
        """The LoRA-capable graph, opened once."""
        if self._lora_model is None:
            from runtime.ort_generator import load_og_model

            self.store.lora_model(self.model.name)  # NoLoraGraph with a clear message if absent
            self._lora_model = load_og_model(self.model.path / LORA_DIR, self.store.models.threads())
        return self._lora_model

    def loaded(self) -> list[str]:
        """Loaded adapter names, least recently used first."""
        return list(self._loaded)

    def loaded_bytes(self) -> int:
        return sum(e.size_bytes for e in self._loaded.values())

    def unload(self, name: str) -> None:
        entry = self._loaded.pop(name, None)
        if entry is not None:
            try:
                entry.adapters.unload(name)
            except Exception:  # already gone with its og.Adapters object
                pass

    def close(self) -> None:
        for name in list(self._loaded):
            self.unload(name)
        self._lora_model = None

    # -- internals ---------------------------------------------------------------------------------
    @staticmethod
    def _safe_stat(record: AdapterRecord) -> tuple[int, ...]:
        try:
            return _stat(record.file)
        except FileNotFoundError:
            raise AdapterChanged(f"adapter {record.name!r}: {record.file} is missing; import it again") from None

    def _load(self, record: AdapterRecord, model: "og.Model") -> _Loaded:
        """Hash the file (in a thread) while onnxruntime-genai loads it; keep it only if the hash matches."""
        import onnxruntime_genai as og

        from runtime.adapter_errors import BadAdapter
        from runtime.model_store import sha256_file

        before = self._safe_stat(record)
        key = (os.fspath(record.file), before)
        with _VERIFIED_LOCK:
            known = _VERIFIED.get(key)
        digest: dict[str, Any] = {}

        def hash_file() -> None:
            if known is not None:
                digest["sha256"] = known
                return
            try:
                digest["sha256"] = sha256_file(record.file, chunk=4 << 20)
            except OSError as exc:
                digest["error"] = exc

        hasher = threading.Thread(target=hash_file, name="kith-adapter-sha256")
        hasher.start()
        adapters = og.Adapters(model)
        try:
            adapters.load(os.fspath(record.file), record.name)
            failure = None
        except Exception as exc:
            failure = exc
        hasher.join()
        if digest.get("sha256") != record.sha256:
            if failure is None:
                adapters.unload(record.name)
            record.verify()  # raises AdapterChanged with the details
            raise AdapterChanged(f"adapter {record.name!r} changed while it was being loaded; try again")
        if failure is not None:
            raise BadAdapter(f"adapter {record.name!r} could not be loaded: {str(failure).splitlines()[0][:200]}")
        if self._safe_stat(record) != before:  # written while we hashed and loaded it
            adapters.unload(record.name)
            raise AdapterChanged(f"adapter {record.name!r} changed while it was being loaded; try again")
        with _VERIFIED_LOCK:
            _VERIFIED[key] = record.sha256
        entry = _Loaded(adapters, record.size_bytes, before, record.sha256)
        self._loaded[record.name] = entry
        self.stats["cold_loads"] += 1
        return entry

    def _evict(self, keep: str) -> None:
        while self.loaded_bytes() > self.budget_bytes and len(self._loaded) > 1:
            victim = next(n for n in self._loaded if n != keep)
            self.unload(victim)
            self.stats["evictions"] += 1


def provider_for(home: Any, model_name: str | None = None) -> AdapterManager | None:
    """The ``AdapterProvider`` for ``model_name`` in ``home``, or ``None`` when that model is not installed."""
    from runtime.errors import RuntimeModelError

    try:
        return AdapterManager.for_home(home, model_name)
    except RuntimeModelError:
        return None  # the generator reports the missing model itself
