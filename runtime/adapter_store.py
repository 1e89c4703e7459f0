"""Imported LoRA adapters under ``HOME/adapters/NAME/``: import (crash-safe), list, info, remove, verify.

Layout of one adapter::

    HOME/adapters/NAME/adapter.onnx_adapter   the weights in the LoRA graph's layout (onnxruntime format)
    HOME/adapters/NAME/manifest.json          model name + base-model hash it is tied to, rank, alpha, targets,
                                              sha256 and size of the file, where it came from

An import is built in ``HOME/adapters/.tmp-*`` and renamed into place only when the file has been written,
read back and hashed, so a bad adapter or a crash leaves the home as it was. The sha256 is checked again
every time the adapter is loaded (``runtime.adapter_manager``): a changed file is refused until re-imported.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.adapter_errors import AdapterChanged, AdapterExists, AdapterMismatch, AdapterNotFound, NoLoraGraph
from runtime.adapter_import import (adapter_from_onnx, base_model_matches, check_against_graph, export_onnx_adapter,
                                    read_onnx_adapter, read_peft)
from runtime.errors import BadModelName
from runtime.lora_graph import LORA_DIR, load_spec
from runtime.model_store import NAME_RE, InstalledModel, ModelStore, move_into_place, sha256_file

MANIFEST = "manifest.json"
ADAPTER_FILE = "adapter.onnx_adapter"


@dataclass
class AdapterRecord:
    """One imported adapter: its folder and manifest."""

    name: str
    path: Path
    manifest: dict[str, Any]

    @property
    def file(self) -> Path:
        return self.path / ADAPTER_FILE

    @property
    def model(self) -> str:
        return str(self.manifest["model"])

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def size_bytes(self) -> int:
        return int(self.manifest["size_bytes"])

    def verify(self) -> None:
        """Raise ``AdapterChanged`` unless the file's sha256 is the one recorded at import."""
        if not self.file.is_file():
            raise AdapterChanged(f"adapter {self.name!r}: {self.file} is missing; import it again")
        actual = sha256_file(self.file)
        if actual != self.sha256:
            raise AdapterChanged(f"adapter {self.name!r} changed on disk since it was imported (sha256 {actual[:12]} "
                                 f"!= {self.sha256[:12]}); refusing it until `kith adapters import` is run again")


def _finite(value: float) -> float | None:
    return value if value == value else None  # NaN (unknown for an imported .onnx_adapter) -> null


def check_adapter_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise BadModelName(f"bad adapter name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


def model_identities(model: InstalledModel) -> list[str]:
    """Names an adapter's ``base_model_name_or_path`` may use for this model."""
    manifest = model.manifest
    source = manifest.get("source") or {}
    names = [model.name, str(source.get("path", "")), str(model.path / "hf"), str(manifest.get("hf_name", ""))]
    names += [str(n) for n in manifest.get("aliases", []) or []]
    for key in ("hf_name", "name", "model_name", "basename"):
        if source.get(key):
            names.append(str(source[key]))
    hf = model.path / "hf" / "config.json"
    if hf.is_file():
        try:
            names.append(str(json.loads(hf.read_text()).get("_name_or_path", "")))
        except (OSError, ValueError):
            pass
    return [n for n in names if n]


class AdapterStore:
    """The ``HOME/adapters`` folder, tied to the models in ``HOME/models``."""

    def __init__(self, root: Path, models: ModelStore) -> None:
        self.root = root
        self.models = models

    @classmethod
    def for_home(cls, home: Any) -> "AdapterStore":
        models = ModelStore.for_home(home)
        return cls(Path(getattr(home, "path", home)) / "adapters", models)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())

    def get(self, name: str) -> AdapterRecord:
        check_adapter_name(name)
        folder = self.root / name
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            raise AdapterNotFound(name, self.names()) from None
        except (OSError, ValueError) as exc:
            raise AdapterChanged(f"adapter {name!r} has an unreadable manifest ({exc}); import it again") from None
        return AdapterRecord(name, folder, manifest)

    def list(self) -> list[AdapterRecord]:
        return [self.get(name) for name in self.names()]

    def remove(self, name: str) -> None:
        folder = self.get(name).path
        trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=self.root))
        os.replace(folder, trash / name)
        shutil.rmtree(trash, ignore_errors=True)

    def lora_model(self, model_name: str | None) -> tuple[InstalledModel, dict[str, Any]]:
        """The installed model and its LoRA graph spec; ``NoLoraGraph`` if it has none."""
        model = self.models.get(model_name or self.models.default_name())
        lora_dir = model.path / LORA_DIR
        try:
            return model, load_spec(lora_dir)
        except (OSError, ValueError):
            raise NoLoraGraph(f"model {model.name!r} has no LoRA graph ({lora_dir}); import the model again with "
                              "this version of kith to run adapters on it") from None

    def import_peft(self, peft_dir: str | os.PathLike[str], name: str, *, model_name: str | None = None,
                    replace: bool = False) -> AdapterRecord:
        """Check and convert a PEFT LoRA folder (or an ``.onnx_adapter`` file) into ``HOME/adapters/NAME``.

        Nothing is written unless every check passes and the converted file reads back.
        """
        check_adapter_name(name)
        if (self.root / name / MANIFEST).is_file() and not replace:
            raise AdapterExists(f"an adapter named {name!r} already exists; pass --replace or choose another --name")
        model, spec = self.lora_model(model_name)
        source = Path(peft_dir)
        if source.is_file() and source.suffix == ".onnx_adapter":
            adapter = adapter_from_onnx(source, spec)
        else:
            adapter = read_peft(source)
        check_against_graph(adapter, spec, model.name)  # shapes first: the most telling difference
        identities = model_identities(model)
        if not base_model_matches(adapter.base_model, identities):
            raise AdapterMismatch(f"adapter was trained on base model {adapter.base_model!r}, but model {model.name!r} "
                                  f"is {' / '.join(identities[:2])}; an adapter only runs on its own base model")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in self.root.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            target = stage / ADAPTER_FILE
            export_onnx_adapter(adapter, target)
            read_back = read_onnx_adapter(target)
            if set(read_back) != set(adapter.weights):
                raise AdapterMismatch(f"internal error: {target} did not round-trip")
            manifest = {
                "name": name, "model": model.name, "base_model_hash": model.base_model_hash,
                "rank": adapter.rank, "alpha": _finite(adapter.alpha), "scaling": _finite(adapter.scaling), "targets": adapter.targets,
                "num_layers": adapter.num_layers, "parameters": len(adapter.weights),
                "file": ADAPTER_FILE, "sha256": sha256_file(target), "size_bytes": target.stat().st_size,
                "source": {"path": str(Path(peft_dir).resolve()), "base_model_name_or_path": adapter.base_model},
                "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            move_into_place(stage, self.root / name)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        return self.get(name)

    def check_for_model(self, record: AdapterRecord, model: InstalledModel) -> None:
        """Refuse an adapter imported for another model, or for an earlier import of this one."""
        if record.model != model.name:
            raise AdapterMismatch(f"adapter {record.name!r} was imported for model {record.model!r}, not {model.name!r}")
        if record.manifest.get("base_model_hash") != model.base_model_hash:
            raise AdapterMismatch(f"adapter {record.name!r} was imported for another build of model {model.name!r} "
                                  "(base-model hash differs); import the adapter again")
