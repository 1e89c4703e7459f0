"""Adapter swap cost on an installed model's LoRA graph: cold load, warm load, and switching between requests.

    python bench/adapter_swap.py --home HOME [--model smollm2] [--rank 16] [--rounds 7]

Writes two random rank-R all-projection PEFT adapters for the model (from its ``hf/config.json`` shapes, no
weights needed), imports them, then, interleaved per round (A/B/A/B):

- cold load: a fresh ``AdapterManager`` (empty LRU) activating an adapter whose file was dropped from the page
  cache (``posix_fadvise(DONTNEED)``) and not hashed yet in this process: read + sha256 + ``og.Adapters.load``;
- warm load: the same for an adapter the LRU evicted (file unchanged and already hashed in this process,
  in the page cache): ``og.Adapters.load`` + a stat check;
- LRU hit: ``activate`` of an adapter already loaded (a stat check, no I/O);
- switch: what changing adapters between two requests costs: LRU-hit ``activate`` + ``set_active_adapter`` on the
  request's fresh generator (kith creates one generator per request).

Floors (issue 12): switching <= 1 ms; warm load <= 50 ms. Prints the CPU flags. Medians over rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.llm_common import cpu_flags  # noqa: E402


def write_random_peft(config: dict, out: Path, rank: int, seed: int) -> Path:
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    hidden, inter = config["hidden_size"], config["intermediate_size"]
    heads = config["num_attention_heads"]
    kv = config.get("num_key_value_heads") or heads
    head_dim = config.get("head_dim") or hidden // heads
    dims = {"q_proj": (hidden, heads * head_dim), "k_proj": (hidden, kv * head_dim), "v_proj": (hidden, kv * head_dim),
            "o_proj": (heads * head_dim, hidden), "gate_proj": (hidden, inter), "up_proj": (hidden, inter),
            "down_proj": (inter, hidden)}
    tensors = {}
    for layer in range(config["num_hidden_layers"]):
        for module, (fan_in, fan_out) in dims.items():
            block = "self_attn" if module in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
            key = f"base_model.model.model.layers.{layer}.{block}.{module}"
            tensors[f"{key}.lora_A.weight"] = rng.normal(0, 0.02, (rank, fan_in)).astype(np.float32)
            tensors[f"{key}.lora_B.weight"] = rng.normal(0, 0.02, (fan_out, rank)).astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "adapter_model.safetensors"))
    (out / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "r": rank, "lora_alpha": 2 * rank, "target_modules": list(dims), "bias": "none"}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import onnxruntime_genai as og

    from runtime.adapter_manager import AdapterManager, forget_verified
    from runtime.adapter_store import AdapterStore

    og.disable_telemetry_events()
    print("cpu flags:", cpu_flags())
    store = AdapterStore.for_home(args.home)
    model = store.models.get(args.model or store.models.default_name())
    config = json.loads((model.path / "hf" / "config.json").read_text())
    names = ["bench-swap-a", "bench-swap-b"]
    with tempfile.TemporaryDirectory() as tmp:
        for seed, name in enumerate(names):
            peft = write_random_peft(config, Path(tmp) / name, args.rank, seed)
            store.import_peft(peft, name, model_name=model.name, replace=True)
    size_mb = store.get(names[0]).size_bytes / 1e6
    print(f"model {model.name}: rank-{args.rank} adapter on {len(store.get(names[0]).manifest['targets'])} projections "
          f"x {config['num_hidden_layers']} layers = {size_mb:.1f} MB")

    warm = AdapterManager(store, model.name, budget_mb=1024)
    lora_model = warm.lora_model()
    params = og.GeneratorParams(lora_model)
    params.set_search_options(max_length=32)
    results: dict[str, list[float]] = {"cold load (page cache dropped)": [], "warm load (fresh manager)": [],
                                       "LRU hit (activate)": [], "switch (activate + set_active_adapter)": [],
                                       "set_active_adapter alone": []}

    def fresh_manager_load(name: str, drop_cache: bool) -> float:
        if drop_cache:
            forget_verified()  # a new process: the file is hashed again
            with open(store.get(name).file, "rb") as handle:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        manager = AdapterManager(store, model.name, budget_mb=1024)
        manager._lora_model = lora_model  # same graph, empty LRU: measures the adapter load only
        start = time.perf_counter()
        manager.activate(name)
        elapsed = time.perf_counter() - start
        manager.close()
        return elapsed * 1e3

    for name in names:
        warm.activate(name)
    previous = names[1]
    for _ in range(args.rounds):
        for name in names:  # A/B interleaved
            results["cold load (page cache dropped)"].append(fresh_manager_load(name, True))
            results["warm load (fresh manager)"].append(fresh_manager_load(name, False))
            generator = og.Generator(lora_model, params)
            start = time.perf_counter()
            _, adapters, key = warm.activate(name)
            hit = time.perf_counter()
            generator.set_active_adapter(adapters, key)
            done = time.perf_counter()
            results["LRU hit (activate)"].append((hit - start) * 1e3)
            results["switch (activate + set_active_adapter)"].append((done - start) * 1e3)
            results["set_active_adapter alone"].append((done - hit) * 1e3)
            generator.append_tokens([1, 2, 3])  # a request runs between switches
            del generator
            assert name != previous
            previous = name
    med = statistics.median
    for label, values in results.items():
        print(f"{label:<40} median {med(values):9.4f} ms   min {min(values):9.4f}   max {max(values):9.4f}   n={len(values)}")
    switch = med(results["switch (activate + set_active_adapter)"])
    warm_load = med(results["warm load (fresh manager)"])
    print(f"floors: switch {switch:.4f} ms <= 1 ms: {'PASS' if switch <= 1 else 'FAIL'}; "
          f"warm load {warm_load:.2f} ms <= 50 ms: {'PASS' if warm_load <= 50 else 'FAIL'}")
    for name in names:
        store.remove(name)


if __name__ == "__main__":
    main()
