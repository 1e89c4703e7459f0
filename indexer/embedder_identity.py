"""What made an index's vectors: the embedder's name, a hash of its weights and its dimension.

The identity is recorded in ``meta`` (key ``embedder``) when the first vector is written. Every
later use of the index with an embedder compares identities; a different model is one clear error
naming both and the fix, never a silent mix of vectors. Engines that produce the same vectors
(the torch model and its ONNX fp32 export) report the same identity.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from indexer.errors import EmbedderMismatch

META_KEY = "embedder"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class EmbedderIdentity:
    name: str
    weights_sha: str
    dimension: int

    def describe(self) -> str:
        return f"{self.name} (weights {self.weights_sha[:12]}, {self.dimension}-d)"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "EmbedderIdentity":
        return cls(str(data["name"]), str(data.get("weights_sha") or ""), int(data["dimension"]))


def identity_of(embedder: Any) -> EmbedderIdentity:
    """An embedder's identity: its own ``identity`` when it has one, else name + weights + dimension."""
    own = getattr(embedder, "identity", None)
    if isinstance(own, EmbedderIdentity):
        return own
    if isinstance(own, dict):
        return EmbedderIdentity.from_json(own)
    cached = getattr(embedder, "_kith_identity", None)
    if isinstance(cached, EmbedderIdentity) and cached.name == embedder.name:
        return cached
    identity = EmbedderIdentity(embedder.name, _weights_sha(embedder), int(embedder.dimension))
    try:
        embedder._kith_identity = identity  # hashing the weights once per embedder object is enough
    except AttributeError:
        pass
    return identity


def _weights_sha(embedder: Any) -> str:
    own = getattr(embedder, "weights_sha", None)
    if isinstance(own, str):
        return own
    from indexer.embeddings import Embedder, model_dir

    if not isinstance(embedder, Embedder):
        return ""  # an embedder that does not say what its weights are

    folder = Path(model_dir())
    for name in WEIGHT_FILES:
        path = folder / name
        if path.is_file():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    return ""


def recorded(store: Any) -> EmbedderIdentity | None:
    """The identity recorded in the index, or None before the first vector."""
    raw = store.get_meta(META_KEY)
    return EmbedderIdentity.from_json(json.loads(raw)) if raw else None


def record(store: Any, identity: EmbedderIdentity) -> None:
    store.set_meta(META_KEY, json.dumps(identity.to_json()))


def mismatch(index: EmbedderIdentity, current: EmbedderIdentity, home: Any = None) -> EmbedderMismatch:
    where = f" at {home}" if home is not None else ""
    return EmbedderMismatch(
        f"the index{where} was embedded with {index.describe()}, but the embedder now is {current.describe()}: "
        f"use {index.name} again (unset KITH_EMBED_MODEL or fix [embedder] in kith.toml), "
        f"or run `kith reembed` to re-embed the index with {current.name}")


def ensure_compatible(store: Any, embedder: Any) -> EmbedderIdentity:
    """Check ``embedder`` against the index's recorded identity and return the embedder's.

    Nothing recorded yet: the store records this identity with the first vector it writes
    (``Store.expect_embedder``). An index written before identities were recorded adopts the
    current embedder when the stored vectors have its dimension. Raises EmbedderMismatch otherwise.
    """
    current = identity_of(embedder)
    stored = recorded(store)
    if stored is None:
        dimension = store.stored_vector_dimension()
        if dimension is not None and dimension != current.dimension:
            raise mismatch(EmbedderIdentity("an unrecorded embedder", "?" * 12, dimension), current,
                           getattr(store.home, "path", None))
        if dimension is not None:  # an old index: its vectors are the only ones it can have been made with
            record(store, current)
        store.expect_embedder(current)
        return current
    if (stored.name, stored.weights_sha, stored.dimension) != (current.name, current.weights_sha, current.dimension):
        raise mismatch(stored, current, getattr(store.home, "path", None))
    return current
