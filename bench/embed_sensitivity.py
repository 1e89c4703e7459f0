"""Per-node sensitivity of all-MiniLM-L6-v2 to int8, and the plan it leads to (indexer/embed_quant.py).

    .venv/bin/python bench/embed_sensitivity.py [--texts 64] [--target 0.995] [--json]

Calibration text: Enron chunks after the 2,000 that bench/embed_throughput.py measures on (chunked
by kith's chunker). Each MatMul group (layer x role) is quantized alone (dynamic int8, per channel)
and the mean cosine of its embeddings to fp32 is printed; then the most sensitive groups are kept
fp32 one at a time until the whole model's calibration cosine reaches the target.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from _embed_corpus import enron_chunks

from indexer.embed_export import META_NAME, TOKENIZER_NAME
from indexer.embed_onnx import OnnxEmbedder
from indexer.embed_quant import (
    matmul_nodes, mean_cosine, measure_sensitivity, node_group, optimize_fp32, plan_from_sensitivity, quantize,
)
from indexer.embedder_choice import default_embedder, fp32_export
from indexer.embeddings import Embedder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--target", type=float, default=0.995)
    parser.add_argument("--home", default=None, help="a home with the fp32 export (made if missing)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    texts = enron_chunks(args.texts, skip=2000)
    with tempfile.TemporaryDirectory(prefix="kith-sens-") as scratch_dir:
        scratch = Path(scratch_dir)
        home = Path(args.home) if args.home else scratch / "home"
        if fp32_export(home) is None:
            Embedder(export_home=home).model  # noqa: B018
        fp32 = fp32_export(home)
        reference = default_embedder(home, engine="onnx").encode(texts)
        meta = json.loads((fp32 / META_NAME).read_text())
        optimized = optimize_fp32(fp32 / "model.onnx", scratch / "optimized.onnx",
                                  int(meta.get("num_heads") or 12), int(meta.get("hidden_size") or 384))
        work = scratch / "work"
        work.mkdir()
        shutil.copyfile(fp32 / TOKENIZER_NAME, work / TOKENIZER_NAME)
        (work / META_NAME).write_text(json.dumps(meta))

        def folder_of(_model: Path) -> OnnxEmbedder:
            return OnnxEmbedder(work)

        sensitivity = measure_sensitivity(optimized, folder_of, texts, reference, work)
        nodes = matmul_nodes(optimized)

        def trial(keep: list[str]) -> float:
            quantize(optimized, work / "model.onnx", [n for n in nodes if node_group(n) not in keep])
            return mean_cosine(OnnxEmbedder(work).encode(texts), reference)

        keep, path = plan_from_sensitivity(sensitivity, trial, args.target)
    report = {"texts": len(texts), "target": args.target,
              "sensitivity": {k: round(v, 5) for k, v in sorted(sensitivity.items(), key=lambda kv: kv[1])},
              "keep_fp32": keep, "path": path}
    print(json.dumps(report, indent=2) if args.json else "\n".join(
        [f"{k:32s} {v:.5f}" for k, v in report["sensitivity"].items()]
        + [f"kept fp32 {n}: calibration cosine {c:.5f}" for n, c in path] + [f"KEEP_FP32 = {tuple(keep)!r}"]))


if __name__ == "__main__":
    main()
