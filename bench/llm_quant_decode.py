"""Decode / prefill speed of two onnxruntime-genai model folders, interleaved A/B/A/B, medians.

Used to price runtime/quantize.py's Q4_1 block-sum side path against plain symmetric 4-bit:

    python bench/llm_quant_decode.py HOME/models/smollm2/onnx /tmp/sym4 --rounds 3 --tokens 64
(/tmp/sym4 = ``runtime.quantize.quantize_model(fp32, out, method="sym4")`` plus the side files)
"""
from __future__ import annotations

import argparse
import platform
import re
import statistics

from runtime.ort_generator import OrtGenerator

PROMPT = [{"role": "user", "content": "Write a short paragraph about the history of Lisbon, its bridges and its trams."}]


def cpu_flags() -> str:
    if platform.system() != "Linux":
        return platform.processor()
    text = open("/proc/cpuinfo").read()
    return " ".join(sorted(set(re.findall(r"\b(avx512\w*|avx2|fma|avx_vnni|amx\w*)\b", text))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print("cpu flags:", cpu_flags())
    gens = {"A": OrtGenerator(args.a, name="A", threads=args.threads), "B": OrtGenerator(args.b, name="B", threads=args.threads)}
    for g in gens.values():
        g.generate(PROMPT, max_tokens=4)  # warm-up
    runs: dict[str, list] = {"A": [], "B": []}
    for _ in range(args.rounds):
        for key in ("A", "B"):
            runs[key].append(gens[key].generate(PROMPT, max_tokens=args.tokens))
    for key, path in (("A", args.a), ("B", args.b)):
        r = runs[key]
        print(f"{key} {path}: decode {statistics.median(x.decode_tokens_per_s for x in r):.1f} tok/s, "
              f"prefill {statistics.median(x.prefill_tokens_per_s for x in r):.1f} tok/s "
              f"({r[0].prompt_tokens} tokens), ttft {statistics.median(x.ttft_s for x in r) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
