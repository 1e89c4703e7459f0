"""Installed models under ``HOME/models/NAME/``: manifest, listing, removal and crash-safe staging.

Layout of one model::

    HOME/models/NAME/manifest.json   source path + sha256, architecture, sizes, builder options, base-model hash
    HOME/models/NAME/hf/             fp32 Hugging Face reference (compression and training start from it)
    HOME/models/NAME/onnx/           int4 graph + genai_config.json + tokenizer (what generation runs)

A model is built in ``HOME/models/.tmp-*`` and renamed into place only when complete, so a crash or Ctrl-C
leaves no half-built model (stale ``.tmp-*`` folders are swept on the next import).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.errors import BadModelName, CorruptModel, ModelExists, ModelNotFound

MANIFEST = "manifest.json"
ONNX_REQUIRED = ("genai_config.json", "tokenizer.json", "tokenizer_config.json")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_MODEL = "smollm2"
DEFAULT_THREADS = 2


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(folder: Path) -> str:
    """A hash over every file's relative path and contents (for a Hugging Face folder source)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise BadModelName(f"bad model name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


@dataclass
class InstalledModel:
    """One model folder and its manifest."""

    name: str
    path: Path
    manifest: dict[str, Any]

    @property
    def onnx_dir(self) -> Path:
        return self.path / "onnx"

    @property
    def hf_dir(self) -> Path | None:
        hf = self.path / "hf"
        return hf if hf.is_dir() else None

    @property
    def base_model_hash(self) -> str:
        return str(self.manifest.get("base_model_hash", ""))

    def check(self) -> "InstalledModel":
        """Raise ``CorruptModel`` naming the first missing file."""
        for relative in self.manifest.get("files", {}):
            if not (self.path / relative).is_file():
                raise CorruptModel(f"model {self.name!r} is missing {relative}; remove it and import it again")
        for required in ONNX_REQUIRED:
            if not (self.onnx_dir / required).is_file():
                raise CorruptModel(f"model {self.name!r} is missing onnx/{required}; remove it and import it again")
        return self


class ModelStore:
    """The ``HOME/models`` folder."""

    def __init__(self, root: Path, config: dict[str, Any] | None = None) -> None:
        self.root = root
        self.config = config or {}

    @classmethod
    def for_home(cls, home: Any) -> "ModelStore":
        path = Path(getattr(home, "path", home))
        config = getattr(home, "config", None)
        if config is None:
            from indexer.home import load_config

            config = load_config(path / "kith.toml")
        return cls(path / "models", config)

    def _runtime_config(self) -> dict[str, Any]:
        section = self.config.get("runtime", {})
        return section if isinstance(section, dict) else {}

    def default_name(self) -> str:
        return str(self._runtime_config().get("model", DEFAULT_MODEL))

    def threads(self) -> int:
        return int(self._runtime_config().get("threads", DEFAULT_THREADS))

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())

    def exists(self, name: str) -> bool:
        return (self.root / name / MANIFEST).is_file()

    def get(self, name: str) -> InstalledModel:
        check_name(name)
        folder = self.root / name
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise ModelNotFound(name, self.names())
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CorruptModel(f"model {name!r} has an unreadable manifest ({exc}); remove it and import it again") from exc
        return InstalledModel(name, folder, manifest).check()

    def list(self) -> list[InstalledModel]:
        models = []
        for name in self.names():
            try:
                models.append(self.get(name))
            except CorruptModel:
                models.append(InstalledModel(name, self.root / name, {"corrupt": True}))
        return models

    def remove(self, name: str) -> None:
        check_name(name)
        folder = self.root / name
        if not folder.is_dir():
            raise ModelNotFound(name, self.names())
        # rename first so a concurrent reader never sees a half-deleted model
        trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=self.root))
        os.replace(folder, trash / name)
        shutil.rmtree(trash, ignore_errors=True)

    def find_by_source(self, source_sha256: str, options: dict[str, Any]) -> InstalledModel | None:
        """An installed, intact model built from the same source bytes with the same build options."""
        for name in self.names():
            try:
                model = self.get(name)
            except CorruptModel:
                continue
            if model.manifest.get("source", {}).get("sha256") == source_sha256 and model.manifest.get("build_options") == options:
                return model
        return None

    def sweep_stale(self) -> None:
        """Remove staging folders left by a crashed or interrupted import."""
        if self.root.is_dir():
            for stale in self.root.glob(".tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)
            for stale in self.root.glob(".trash-*"):
                shutil.rmtree(stale, ignore_errors=True)

    @contextlib.contextmanager
    def staging(self, name: str, *, replace: bool = False) -> Iterator[Path]:
        """Yield an empty folder to build model ``name`` in; on success it becomes ``HOME/models/NAME``.

        Any exception (including KeyboardInterrupt) removes the folder and leaves the store as it was.
        """
        check_name(name)
        if self.exists(name) and not replace:
            raise ModelExists(f"a model named {name!r} already exists; pass --replace or choose another --name")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        stage = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            yield stage
            if not (stage / MANIFEST).is_file():
                raise CorruptModel(f"internal error: the build of {name!r} wrote no manifest")
            move_into_place(stage, self.root / name)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


def move_into_place(stage: Path, final: Path) -> None:
    """Rename a finished staging folder to ``final``, replacing what is there without a moment of absence
    longer than two renames (the old folder goes to a ``.trash-*`` sibling first)."""
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=".trash-", dir=final.parent))
        os.replace(final, old / final.name)
        os.replace(stage, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, final)


def file_sizes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    manifest = dict(manifest, files=file_sizes(folder))
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
