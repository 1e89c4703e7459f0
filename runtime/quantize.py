"""fp32 ONNX graph -> 4-bit MatMulNBits graph that reproduces Q4_1 GGUF weights exactly.

Method ("q4_1"): every block of 32 input weights of a linear layer is stored as ``w = d*q + m`` with
``q`` in 0..15, ``d = (max - min) / 15`` and ``m = min``: llama.cpp's Q4_1. A weight matrix that was
dequantized from a Q4_1 GGUF is therefore recovered *exactly* (the min and max of each block sit on q = 0 and
q = 15), and an fp32 weight gets asymmetric round-to-nearest quantization.

MatMulNBits has no fast kernel for float zero points (measured ~30x slower on CPU), so the minimum is moved
into a tiny side path: ``x @ W = MatMulNBits(x; q, d, zero point 8) + blocksum(x) @ C`` with
``C[b, n] = m + 8*d`` and ``blocksum`` the sum of each block of 32 activations (llama.cpp's Q8_1 blocks carry
the same sum for the same reason). The lm_head (tied to the embedding, Q8_0 in the GGUF) is stored at 8 bits
with ``d = max|w| / 127``, which recovers Q8_0 exactly.

Method ("sym4"): plain symmetric 4-bit MatMulNBits without the side path (faster, less accurate), for
measurement. Excluded nodes (e.g. LoRA MatMuls) stay fp32.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BLOCK = 32
EXACT_TOLERANCE = 1e-3  # of a quantization step: a recovered Q4_1 block reproduces every weight within this


@dataclass
class QuantStats:
    method: str
    quantized: list[str] = field(default_factory=list)
    kept_fp32: list[str] = field(default_factory=list)
    exact_blocks: int = 0
    total_blocks: int = 0
    weight_params: int = 0
    weight_bits: float = 0.0
    widths: dict[int, int] = field(default_factory=dict)  # method "compressed": MatMulNBits nodes per width

    @property
    def exact_fraction(self) -> float:
        return self.exact_blocks / self.total_blocks if self.total_blocks else 0.0


def pack_nibbles(q: np.ndarray) -> np.ndarray:
    """[N, kb, 32] values 0..15 -> [N, kb, 16] bytes, element 2i in the low nibble (MatMulNBits layout)."""
    return pack_codes(q, 4)


def pack_codes(q: np.ndarray, bits: int) -> np.ndarray:
    """[N, kb, 32] codes of 2, 4 or 8 bits -> bytes, the first code in the lowest bits (MatMulNBits layout)."""
    per = 8 // bits
    out = np.zeros(q.shape[:-1] + (q.shape[-1] // per,), np.uint8)
    for i in range(per):
        out |= (q[..., i::per].astype(np.uint8) << (bits * i)).astype(np.uint8)
    return out


def q4_1_blocks(weight_nk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Asymmetric 4-bit blocks of ``[N, K]``: (q [N,kb,32] uint8, d [N,kb], m [N,kb], exactly recovered blocks)."""
    n, k = weight_nk.shape
    blocks = weight_nk.reshape(n, k // BLOCK, BLOCK).astype(np.float32)
    low, high = blocks.min(-1), blocks.max(-1)
    d = (high - low) / 15.0
    safe = np.where(d > 0, d, 1.0)
    q = np.clip(np.rint((blocks - low[..., None]) / safe[..., None]), 0, 15)
    error = np.abs(q * d[..., None] + low[..., None] - blocks).max(-1)
    exact = int(((error <= EXACT_TOLERANCE * np.maximum(d, 1e-30)) | (d == 0)).sum())
    return q.astype(np.uint8), d.astype(np.float32), low.astype(np.float32), exact


def q8_0_blocks(weight_nk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric 8-bit blocks of ``[N, K]``: (q+128 [N,kb,32] uint8, d [N,kb])."""
    n, k = weight_nk.shape
    blocks = weight_nk.reshape(n, k // BLOCK, BLOCK).astype(np.float32)
    d = np.abs(blocks).max(-1) / 127.0
    safe = np.where(d > 0, d, 1.0)
    q = np.clip(np.rint(blocks / safe[..., None]), -127, 127) + 128
    return q.astype(np.uint8), d.astype(np.float32)


def quantize_model(
    src: Path,
    dst: Path,
    *,
    method: str = "q4_1",
    accuracy_level: int = 4,
    lm_head_bits: int = 8,
    exclude: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
    codes: Callable[[str, np.ndarray], tuple[np.ndarray, np.ndarray, int] | None] | None = None,
) -> QuantStats:
    """Quantize every MatMul with a constant ``[K, N]`` weight in ``src`` (model.onnx) and write ``dst``.
    With ``codes`` (method "compressed", `runtime.compressed_import.CompressedCodes`) each node takes its
    codes, scales and width from a `kith compress` folder, and a node it has none for stays fp32."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src), load_external_data=True)
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1
    excluded = set(exclude)
    stats = QuantStats(method=method)
    targets = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits and n.name not in excluded
               and len(inits[n.input[1]].dims) == 2 and inits[n.input[1]].dims[0] % BLOCK == 0]
    stats.kept_fp32 = [n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits and n not in targets]
    new_nodes: dict[int, list] = {}
    block_sums: dict[str, str] = {}
    for index, node in enumerate(targets):
        if progress:
            progress(index, len(targets))
        weight = numpy_helper.to_array(inits[node.input[1]])  # [K, N]
        k, n = weight.shape
        kb = k // BLOCK
        prefix = node.name.strip("/").replace("/", ".")
        is_head = "lm_head" in node.name
        bits = lm_head_bits if is_head else 4
        replacement = []
        if bits == 32 and codes is None:
            stats.kept_fp32.append(node.name)
            continue
        out = node.output[0]
        if codes is not None:
            given = codes(node.name, weight)
            if given is None:
                stats.kept_fp32.append(node.name)
                continue
            q, d, bits = given
            packed = pack_codes(q, bits)
            stats.widths[bits] = stats.widths.get(bits, 0) + 1
        elif bits == 8:
            q, d = q8_0_blocks(weight.T)
            packed = q
        elif method == "sym4":
            blocks = weight.T.reshape(n, kb, BLOCK)
            d = (np.abs(blocks).max(-1) / 7.0).astype(np.float32)
            q = (np.clip(np.rint(blocks / np.where(d > 0, d, 1.0)[..., None]), -8, 7) + 8).astype(np.uint8)
            packed = pack_nibbles(q)
        else:
            q, d, low, exact = q4_1_blocks(weight.T)
            stats.exact_blocks += exact
            stats.total_blocks += n * kb
            packed = pack_nibbles(q)
            correction = (low + 8.0 * d).T.astype(np.float32)  # [kb, N]
            main_out = out + "_nbits"
            summed = block_sums.get(node.input[0])
            if summed is None:
                summed = f"{prefix}.blocksum"
                graph.initializer.append(numpy_helper.from_array(np.array([0, 0, kb, BLOCK], np.int64), f"{prefix}.blockshape"))
                graph.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), f"{prefix}.blockaxis"))
                replacement += [
                    helper.make_node("Reshape", [node.input[0], f"{prefix}.blockshape"], [f"{prefix}.blocks"], name=f"{node.name}_blocks"),
                    helper.make_node("ReduceSum", [f"{prefix}.blocks", f"{prefix}.blockaxis"], [summed], keepdims=0, name=f"{node.name}_blocksum"),
                ]
                block_sums[node.input[0]] = summed
            graph.initializer.append(numpy_helper.from_array(correction, f"{prefix}.min_correction"))
            replacement += [
                helper.make_node("MatMul", [summed, f"{prefix}.min_correction"], [out + "_min"], name=f"{node.name}_min"),
                helper.make_node("Add", [main_out, out + "_min"], [out], name=f"{node.name}_add_min"),
            ]
            out = main_out
            stats.weight_bits += n * kb * 32  # the fp32 correction term: 1 bit per weight
        graph.initializer.append(numpy_helper.from_array(packed.reshape(n, kb, -1), f"{prefix}.qweight"))
        graph.initializer.append(numpy_helper.from_array(d.reshape(-1), f"{prefix}.scales"))
        replacement.insert(0, helper.make_node(
            "MatMulNBits", [node.input[0], f"{prefix}.qweight", f"{prefix}.scales"], [out], name=f"{node.name}_Q{bits}",
            domain="com.microsoft", K=k, N=n, bits=bits, block_size=BLOCK, accuracy_level=accuracy_level,
        ))
        stats.weight_bits += n * k * bits + n * kb * 32
        stats.weight_params += n * k
        stats.quantized.append(node.name)
        new_nodes[id(node)] = replacement
        consumers[node.input[1]] -= 1
    rebuilt = []
    for node in graph.node:
        rebuilt.extend(new_nodes.get(id(node), [node]))
    del graph.node[:]
    graph.node.extend(rebuilt)
    unused = [init for init in graph.initializer if consumers.get(init.name, 1) == 0]
    for init in unused:
        graph.initializer.remove(init)
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst), save_as_external_data=True, all_tensors_to_one_file=True,
              location=dst.name + ".data", size_threshold=1024)
    if progress:
        progress(len(targets), len(targets))
    return stats
