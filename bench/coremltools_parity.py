"""Issue 14's parity check against the reference implementation: Core ML Tools' `coremltools.optimize.torch`
PostTrainingPalettizer and PostTrainingQuantizer, against kith's palettizer and linear quantizer, on the same
layers of SmolLM2-135M-Instruct with the same settings.

Rows: 4-bit palettization with one table per 16 output channels (data-free k-means), and int4 symmetric per block
of 32. Every `nn.Linear` of the decoder layers is compressed; the tied embedding / lm_head stays fp32 in both,
so the rows differ only in the technique. For each: bits per weight of the compressed layers (kith's exact
accounting; coremltools stores the same indices, fp16 tables or scales), the relative squared reconstruction
error summed over the layers, and perplexity on the held-out SciFact windows of `bench/compress_table.py`.

coremltools is not a kith dependency: run this in a bench virtualenv that has it (it imports kith's own
packages from the repository and the main virtualenv through a .pth file):

    python -m venv /tmp/ct && echo $PWD/.venv/lib/python3.11/site-packages > /tmp/ct/lib/python3.11/site-packages/kith.pth
    /tmp/ct/bin/pip install coremltools==9.0
    PYTHONPATH=. /tmp/ct/bin/python bench/coremltools_parity.py --reference /tmp/kc/run/reference [--windows 16] [--json]
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPORA = REPO.parent / "shared" / "corpora"


def decoder_linears(model) -> dict[str, object]:
    import torch.nn as nn

    return {name: module for name, module in model.named_modules()
            if isinstance(module, nn.Linear) and ".layers." in name}


def outside_layers(model) -> dict[str, None]:
    """coremltools' "leave alone" entries for the Linear and Embedding modules outside the decoder layers."""
    import torch.nn as nn

    inside = decoder_linears(model)
    return {name: None for name, module in model.named_modules()
            if isinstance(module, (nn.Linear, nn.Embedding)) and name not in inside}


def relative_error(reference, model) -> float:
    ref, got = decoder_linears(reference), decoder_linears(model)
    err = sum(float(((ref[n].weight - got[n].weight) ** 2).sum()) for n in ref)
    energy = sum(float((ref[n].weight ** 2).sum()) for n in ref)
    return err / energy


def coremltools_palettized(model):
    from coremltools.optimize.torch.palettization import PostTrainingPalettizer, PostTrainingPalettizerConfig

    names = outside_layers(model)
    config = PostTrainingPalettizerConfig.from_dict({
        "global_config": {"n_bits": 4, "granularity": "per_grouped_channel", "group_size": 16},
        "module_name_configs": names})
    return PostTrainingPalettizer(model, config).compress()


def coremltools_int4(model):
    from coremltools.optimize.torch.quantization import PostTrainingQuantizer, PostTrainingQuantizerConfig

    names = outside_layers(model)
    config = PostTrainingQuantizerConfig.from_dict({
        "global_config": {"weight_dtype": "int4", "granularity": "per_block", "block_size": 32,
                          "quantization_scheme": "symmetric"},
        "module_name_configs": names})
    return PostTrainingQuantizer(model, config).compress()


def kith_compressed(model, technique: str) -> tuple[object, float]:
    """The model with kith's technique applied to the same layers, and its bits per weight over them."""
    import torch

    from compress.linear_quant import quantize_linear
    from compress.palettize import palettize

    bits = weights = 0
    for name, module in decoder_linears(model).items():
        if technique == "palettize":
            tensor = palettize(module.weight, 4, granularity="per_grouped_channel", group_size=16, name=name)
        else:
            tensor = quantize_linear(module.weight, 4, granularity="per_block", block_size=32, mode="symmetric",
                                     name=name)
        with torch.no_grad():
            module.weight.copy_(tensor.decompress())
        bits += tensor.storage_bits
        weights += tensor.numel
    return model, bits / weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="the fp32 folder bench/compress_table.py writes")
    parser.add_argument("--windows", type=int, default=16)
    parser.add_argument("--only", nargs="*", default=[], help="run only the rows whose label contains one of these")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from runtime.perplexity import DEFAULT_WINDOW, scifact_text, torch_perplexity

    torch.set_num_threads(2)
    ids = AutoTokenizer.from_pretrained(str(args.reference))(scifact_text(CORPORA / "ir-beir-scifact"))["input_ids"]
    ids = ids[: args.windows * DEFAULT_WINDOW]
    reference = AutoModelForCausalLM.from_pretrained(str(args.reference), dtype=torch.float32).eval()
    rows = {"reference": {"perplexity": torch_perplexity(reference, ids, label="reference").perplexity}}
    for label, build in [
        ("palettize 4-bit, g16, data-free: coremltools", lambda m: (coremltools_palettized(m), None)),
        ("palettize 4-bit, g16, data-free: kith", lambda m: kith_compressed(m, "palettize")),
        ("int4 symmetric, block 32: coremltools", lambda m: (coremltools_int4(m), None)),
        ("int4 symmetric, block 32: kith", lambda m: kith_compressed(m, "linear")),
    ]:
        if args.only and not any(part in label for part in args.only):
            continue
        started = time.perf_counter()
        model, bpw = build(copy.deepcopy(reference))
        seconds = time.perf_counter() - started
        rows[label] = {"bpw_layers": bpw, "rel_error": relative_error(reference, model), "compress_s": round(seconds, 1),
                       "perplexity": torch_perplexity(model.eval(), ids, label=label).perplexity}
        print(f"{label}: {rows[label]}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    ref = rows["reference"]["perplexity"]
    print("| row | bpw (compressed layers) | relative squared error | perplexity | vs reference | compress s |")
    print("|---|---|---|---|---|---|")
    for label, row in rows.items():
        bpw = f"{row['bpw_layers']:.3f}" if row.get("bpw_layers") else ""
        err = f"{row['rel_error']:.5f}" if "rel_error" in row else ""
        print(f"| {label} | {bpw} | {err} | {row['perplexity']:.2f} | {100 * (row['perplexity'] / ref - 1):+.1f}% | "
              f"{row.get('compress_s', '')} |")


if __name__ == "__main__":
    main()
