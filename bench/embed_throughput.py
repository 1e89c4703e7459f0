"""Embedding throughput: plain ``SentenceTransformer.encode`` against kith's onnxruntime engines.

    .venv/bin/python bench/embed_throughput.py [--chunks 2000] [--rounds 2] [--engines int8mix,onnx] [--json]

The texts are the first ``--chunks`` Enron chunks as kith indexes them. Engines run interleaved
(A/B/A/B... in the same run), each round embedding every text from scratch; throughput is the
median over rounds. Quality is the cosine of each engine's vectors to sentence-transformers' fp32
vectors (mean, 1st percentile, minimum). The engines are built in a scratch home (or ``--home``):
``onnx`` is the fp32 export, ``int8mix`` the quantized default candidate (indexer/embed_quant.py).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _daemon_bench import cpu_info
from _embed_corpus import enron_chunks

from indexer.embed_quant import quantized_embedder, quantized_name
from indexer.embedder_choice import default_embedder
from indexer.embeddings import model_dir, model_name


def engine(home: Path, name: str, threads: int | None, batch: int):
    built = (quantized_embedder(home, quantized_name(model_name()), threads=threads) if name == "int8mix"
             else default_embedder(home, engine="onnx", threads=threads))
    built.batch_size = batch
    return built


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--engines", default="int8mix,onnx")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--home", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    texts = enron_chunks(args.chunks)
    from sentence_transformers import SentenceTransformer

    with tempfile.TemporaryDirectory(prefix="kith-embed-bench-") as scratch:
        home = Path(args.home or scratch)
        plain = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
        engines = {name: engine(home, name, args.threads, args.batch) for name in args.engines.split(",")}
        reference = plain.encode(texts[:32], batch_size=32, normalize_embeddings=True)  # warm up
        for built in engines.values():
            built.encode(texts[:32])
        seconds: dict[str, list[float]] = {"sentence_transformers": [], **{name: [] for name in engines}}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.rounds):
            started = time.perf_counter()
            reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)
            seconds["sentence_transformers"].append(time.perf_counter() - started)
            for name, built in engines.items():
                built._cache.clear()
                started = time.perf_counter()
                vectors[name] = built.encode(texts)
                seconds[name].append(time.perf_counter() - started)
    base = float(np.median(seconds["sentence_transformers"]))
    rows = {}
    for name, runs in seconds.items():
        median = float(np.median(runs))
        row = {"texts_per_s": round(len(texts) / median, 1), "seconds": [round(s, 1) for s in runs],
               "ratio": round(base / median, 2)}
        if name in vectors:
            cosines = (vectors[name] * reference).sum(axis=1)
            row.update(mean_cosine=round(float(cosines.mean()), 5), p1_cosine=round(float(np.percentile(cosines, 1)), 4),
                       min_cosine=round(float(cosines.min()), 4), identity=engines[name].identity["name"])
        rows[name] = row
    report = {"cpu": cpu_info(), "texts": len(texts), "rounds": args.rounds, "batch": args.batch,
              "threads": args.threads or "default", "engines": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(texts)} Enron chunks, {args.rounds} interleaved rounds, cpu {report['cpu']}")
    for name, row in rows.items():
        quality = f"  cosine mean {row['mean_cosine']} p1 {row['p1_cosine']} min {row['min_cosine']}" if "mean_cosine" in row else ""
        print(f"{name:22s} {row['texts_per_s']:7.1f} texts/s  x{row['ratio']:.2f}{quality}")


if __name__ == "__main__":
    main()
