"""Shared bits of the LLM benches: the CPU flags line every bench prints, and medians."""
from __future__ import annotations

import platform
import statistics
from collections.abc import Iterable

INTERESTING = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
               "amx_tile", "amx_int8", "sse4_2", "neon", "asimd", "sve", "i8mm", "dotprod")


def cpu_flags() -> str:
    """Model name, core count and the SIMD flags that decide which kernels onnxruntime and llama.cpp use."""
    import os

    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name":
                    model = value.strip()
                elif key in ("flags", "Features"):
                    flags.update(value.split())
    except OSError:
        pass
    present = [f for f in INTERESTING if f in flags]
    return f"{model}; {os.cpu_count()} cpus; {' '.join(present) or 'flags unknown'}"


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")
