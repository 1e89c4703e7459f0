"""The compression report: bits per weight, size, and each layer's share of the error (Talaria style)."""
from __future__ import annotations

import json
from pathlib import Path

from compress.errors import CompressionError

REPORT_FILE = "compression_report.json"
PACKED_FILE = "compressed.safetensors"


def summarize(rows: list[dict], recipe: str, packed_bytes: int, notes: list[str]) -> dict:
    total_bits = sum(r["storage_bits"] for r in rows)
    total_weights = sum(r["numel"] for r in rows)
    total_error = sum(r["error"] for r in rows) or 1.0
    for r in rows:
        r["error_share"] = r["error"] / total_error
    return {
        "recipe": recipe, "bpw": total_bits / max(total_weights, 1), "weights": total_weights,
        "storage_bits": total_bits, "size_bytes": packed_bytes, "fp16_bytes": total_weights * 2,
        "layers": rows, "notes": notes,
    }


def load_report(out_dir: str | Path) -> dict:
    path = Path(out_dir) / REPORT_FILE
    if not path.is_file():
        raise CompressionError(f"{out_dir} has no {REPORT_FILE}: was it made by `kith compress`?")
    return json.loads(path.read_text())


def format_report(report: dict, top: int | None = None) -> str:
    lines = [f"recipe {report['recipe']}: {report['bpw']:.3f} bits per weight over {report['weights']:,} weights, "
             f"packed {report['size_bytes'] / 1e6:.2f} MB (fp16: {report['fp16_bytes'] / 1e6:.2f} MB)"]
    if report.get("mixed"):
        m = report["mixed"]
        lines.append(f"mixed: {m['mixed_layers_bpw']:.3f} bits per weight over {m['layers']} mixed layers; target "
                     f"{m['target_bpw']} over {'the whole model' if m['budget'] == 'model' else 'the mixed layers'}; "
                     "layers per width " + ", ".join(f"{b}-bit: {n}" for b, n in m["widths"].items()))
    lines += [f"note: {n}" for n in report.get("notes", [])]
    lines.append(f"{'layer':<48} {'technique':<16} {'bits':>4} {'bpw':>6} {'KB':>9} {'rel.err':>8} {'err%':>6}")
    rows = sorted(report["layers"], key=lambda r: -r["error_share"]) if top else report["layers"]
    for r in rows[:top] if top else rows:
        bits = "" if r["bits"] is None else str(r["bits"])
        lines.append(f"{r['name'][:48]:<48} {r['technique']:<16} {bits:>4} {r['bpw']:>6.3f} "
                     f"{r['storage_bits'] / 8192:>9.1f} {r['rel_error']:>8.2e} {100 * r['error_share']:>5.1f}%")
    return "\n".join(lines)
