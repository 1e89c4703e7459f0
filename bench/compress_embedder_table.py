"""Issue 14's table for all-MiniLM-L6-v2 (real fp32 weights): every named recipe through `kith compress`, then
the mean cosine of each compressed model's embeddings to the fp32 ones and, with `--beir`, SciFact nDCG@10
through `kith eval beir` (the whole hybrid pipeline, the compressed folder chosen with KITH_EMBED_MODEL).

Calibration text: the first 300 Enron chunks; the cosine is measured on chunks 2,001 on (kith's chunker), so the two do not
overlap. Rows are written to ROOT/results.json as they finish; running again skips finished rows.

    PYTHONPATH=. .venv/bin/python bench/compress_embedder_table.py --root /tmp/kith-compress-minilm \\
        [--texts 500] [--beir reference int8 palettize4-g16] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
CORPORA = REPO.parent / "shared" / "corpora"
from compress_table import ROWS, row_folder, say  # the same rows, folders and log lines as the SmolLM2 table


def mean_cosine(reference, model, texts: list[str]) -> float:
    import numpy as np

    a = reference.encode(texts, batch_size=32, normalize_embeddings=True)
    b = model.encode(texts, batch_size=32, normalize_embeddings=True)
    return float(np.mean(np.sum(a * b, axis=1)))


def beir_ndcg(folder: Path | None) -> dict[str, float]:
    """SciFact nDCG@10 of the dense run (the embedder alone) and of the default convex hybrid."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KITH_EMBEDDER": "torch"}
    if folder is not None:
        env["KITH_EMBED_MODEL"] = str(folder)
    done = subprocess.run([str(Path(sys.executable).with_name("kith")), "eval", "beir", str(CORPORA / "ir-beir-scifact"),
                           "--json"], capture_output=True, text=True, env=env, timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"kith eval beir failed for {folder}:\n{done.stderr[-2000:]}")
    results = json.loads(done.stdout)["results"]
    return {"dense": results["dense"]["ndcg@10"], "hybrid": results["hybrid_convex"]["ndcg@10"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("/tmp/kith-compress-minilm"))
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--beir", nargs="*", default=[], help="row labels (or 'reference') to score on SciFact")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"compress_embedder_table: {CORPORA} is missing (Enron and SciFact come from ../shared/corpora)")
    import torch
    from sentence_transformers import SentenceTransformer

    from _embed_corpus import enron_chunks
    from compress.pipeline import compress_model
    from compress.recipe import load_recipe
    from compress.report import load_report
    from indexer.embeddings import model_dir

    torch.set_num_threads(2)
    args.root.mkdir(parents=True, exist_ok=True)
    reference_dir = model_dir()
    calibration = args.root / "calibration-enron.txt"
    if not calibration.exists():
        calibration.write_text("\n\n".join(enron_chunks(300)))  # chunks 1-300; the cosine uses 2,001 on
    texts = enron_chunks(args.texts, skip=2000)
    results_path = args.root / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    reference = SentenceTransformer(str(reference_dir), device="cpu")

    def record(label: str, row: dict) -> None:
        results[label] = row
        results_path.write_text(json.dumps(results, indent=1))
        say(f"{label}: {row}")

    if "reference" not in results:
        params = sum(p.numel() for p in reference.parameters())
        record("reference", {"bpw": 32.0, "size_mb": params * 4 / 1e6, "mean_cosine": 1.0})
    if "reference" in args.beir and "ndcg@10" not in results["reference"]:
        record("reference", {**results["reference"], "ndcg@10": beir_ndcg(None)})
    for label, recipe, calibrated in ROWS:
        out = row_folder(args.root, label, calibrated)
        if label not in results:
            if not (out / "compression_report.json").exists():
                say(f"compressing: {label}")
                compress_model(reference_dir, load_recipe(recipe), out, calibration if calibrated else None)
            report = load_report(out)
            model = SentenceTransformer(str(out), device="cpu")
            record(label, {"bpw": report["bpw"], "size_mb": report["size_bytes"] / 1e6,
                           "mean_cosine": mean_cosine(reference, model, texts), "folder": str(out)})
        if label in args.beir and "ndcg@10" not in results[label]:
            say(f"kith eval beir with {label}")
            record(label, {**results[label], "ndcg@10": beir_ndcg(out)})
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("| row | bits per weight | size (MB) | mean cosine to fp32 | SciFact nDCG@10 dense / hybrid |")
    print("|---|---|---|---|---|")
    for label, row in results.items():
        ndcg = f"{row['ndcg@10']['dense']:.4f} / {row['ndcg@10']['hybrid']:.4f}" if "ndcg@10" in row else ""
        print(f"| {label} | {row['bpw']:.3f} | {row['size_mb']:.1f} | {row['mean_cosine']:.4f} | {ndcg} |")


if __name__ == "__main__":
    main()
