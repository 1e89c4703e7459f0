"""Packed storage of compressed weights, and exact bits-per-weight accounting.

Every compressed tensor is a `CompressedTensor`: named integer fields packed at their declared bit
width (palette indices, quantized values, zero points, sparsity masks) and float fields stored as
fp16 (lookup tables, scales). Its `storage_bits` is exactly the number of bits the packed arrays
take, so `bpw = storage_bits / numel` counts indices, tables, scales, zero points and masks alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

FLOAT_BITS = 16  # lookup tables and scales are stored as fp16


def pack_bits(values: np.ndarray, nbits: int) -> np.ndarray:
    """Packs unsigned integers < 2**nbits into a little-endian bit stream of ceil(n*nbits/8) bytes."""
    flat = np.ascontiguousarray(values, dtype=np.uint16).reshape(-1)
    if flat.size and int(flat.max()) >= (1 << nbits):
        raise ValueError(f"value {int(flat.max())} does not fit in {nbits} bits")
    planes = ((flat[:, None] >> np.arange(nbits, dtype=np.uint16)) & 1).astype(np.uint8)
    return np.packbits(planes.reshape(-1), bitorder="little")


def unpack_bits(packed: np.ndarray, nbits: int, count: int) -> np.ndarray:
    """Inverse of `pack_bits`: the first `count` values."""
    planes = np.unpackbits(packed, bitorder="little")[: count * nbits].reshape(count, nbits)
    return (planes.astype(np.uint16) << np.arange(nbits, dtype=np.uint16)).sum(axis=1).astype(np.uint16)


@dataclass
class IntField:
    """An integer array stored at `nbits` per element."""

    values: np.ndarray
    nbits: int

    @property
    def bits(self) -> int:
        return int(self.values.size) * self.nbits


@dataclass
class CompressedTensor:
    """One compressed weight: its technique, shape, packed fields and how to rebuild it."""

    technique: str
    shape: tuple[int, ...]
    ints: dict[str, IntField] = field(default_factory=dict)
    floats: dict[str, np.ndarray] = field(default_factory=dict)
    rebuild: Callable[["CompressedTensor"], torch.Tensor] | None = None
    details: dict[str, object] = field(default_factory=dict)

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape))

    @property
    def storage_bits(self) -> int:
        return sum(f.bits for f in self.ints.values()) + sum(int(a.size) * FLOAT_BITS for a in self.floats.values())

    @property
    def bpw(self) -> float:
        return self.storage_bits / self.numel

    def decompress(self) -> torch.Tensor:
        if self.rebuild is None:
            raise ValueError(f"{self.technique} tensor has no decompressor")
        return self.rebuild(self)

    def packed_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays written to the packed file; their byte sizes add up to `storage_bits`/8 (rounded up per field)."""
        out: dict[str, np.ndarray] = {}
        for name, f in self.ints.items():
            out[f"{prefix}.{name}.u{f.nbits}"] = pack_bits(f.values, f.nbits)
        for name, a in self.floats.items():
            out[f"{prefix}.{name}.f16"] = np.ascontiguousarray(a, dtype=np.float16)
        return out


def dense_tensor(weight: torch.Tensor) -> CompressedTensor:
    """An uncompressed weight, counted at fp16 (how kith would ship it)."""
    values = weight.detach().to(torch.float16).cpu().numpy()
    return CompressedTensor(
        technique="fp16", shape=tuple(weight.shape), floats={"values": values},
        rebuild=lambda t: torch.from_numpy(t.floats["values"].astype(np.float32)),
    )
