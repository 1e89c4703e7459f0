"""LLM throughput on this machine: kith's int4 graph against llama.cpp (same GGUF) and transformers fp32.

    python bench/llm_throughput.py --home HOME [--model smollm2] [--threads 2] [--rounds 3]
        [--llama-python /work/benchvenv-llama/bin/python] [--engines kith,kith-lora,llama.cpp,transformers]
        [--also-model smol-ml35]     # one more engine: another installed model's plain graph

Every engine runs in its own subprocess (so peak RSS is its own), engines interleaved per round (A/B/C/A/B/C),
each on the same 400 prompt token ids, greedy, then exactly 128 decoded tokens (end-of-sequence suppressed),
with the same number of threads. Reported: medians of prefill tokens/s, decode tokens/s (127 steps after the
first token), time to first token, and peak RSS.

- kith: ``HOME/models/M/onnx`` (Q4_1-exact 4-bit MatMulNBits, 8-bit lm_head) through onnxruntime-genai with
  kith's session options (``runtime.ort_generator.load_og_model``).
- kith-lora: the LoRA-capable graph ``onnx-lora`` with no adapter active (what an adapter request pays for the
  unfused graph); kith-lora+adapter: the same with a rank-16 all-projection adapter active.
- llama.cpp: llama-cpp-python compiled from source in a separate bench venv (``--llama-python``), on the GGUF
  the model was imported from; it is not a kith dependency.
- transformers: fp32 ``generate`` on ``HOME/models/M/hf`` (the dequantized GGUF).

Floor (issue 12): kith decode tokens/s >= 1.0x llama.cpp's on the same threads. Prints the CPU flags.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT = ("On-device language models trade a little accuracy for privacy and latency: the weights live on the laptop, "
        "the prompt never leaves it, and a small task adapter can be swapped in for each request. ")
ENGINES = ("kith", "kith-lora", "kith-lora+adapter", "llama.cpp", "transformers")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------- workers (one engine, one run, JSON out)
def run_og(onnx_dir: str, ids: list[int], decode: int, threads: int, adapter: str | None) -> dict:
    import onnxruntime_genai as og

    from runtime.ort_generator import load_og_model

    model = load_og_model(Path(onnx_dir), threads)
    adapters = None
    if adapter:
        adapters = og.Adapters(model)
        adapters.load(adapter, "bench")

    def once(prompt: list[int], steps: int) -> tuple[float, float, float]:
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=len(prompt) + steps, min_length=len(prompt) + steps, do_sample=False)
        generator = og.Generator(model, params)
        if adapters is not None:
            generator.set_active_adapter(adapters, "bench")
        start = time.perf_counter()
        generator.append_tokens(prompt)
        generator.generate_next_token()
        first = time.perf_counter()
        for _ in range(steps - 1):
            generator.generate_next_token()
        end = time.perf_counter()
        return start, first, end

    once(ids[:32], 4)  # warm-up: first-run allocations are not what a warm daemon pays
    start, first, end = once(ids, decode)
    return {"ttft_s": first - start, "prefill_tps": len(ids) / (first - start), "decode_tps": (decode - 1) / (end - first)}


def run_llama(gguf: str, ids: list[int], decode: int, threads: int) -> dict:
    from llama_cpp import Llama  # only in the bench venv

    llm = Llama(model_path=gguf, n_ctx=1024, n_threads=threads, n_threads_batch=threads, n_batch=512, verbose=False)

    def once(prompt: list[int], steps: int) -> tuple[float, float, float]:
        llm.reset()
        start = time.perf_counter()
        llm.eval(prompt)
        first_token = llm.sample(temp=0.0)
        first = time.perf_counter()
        token = first_token
        for _ in range(steps - 1):
            llm.eval([token])
            token = llm.sample(temp=0.0)  # greedy; no end-of-sequence check: exactly `steps` tokens
        end = time.perf_counter()
        return start, first, end

    once(ids[:32], 4)
    start, first, end = once(ids, decode)
    return {"ttft_s": first - start, "prefill_tps": len(ids) / (first - start), "decode_tps": (decode - 1) / (end - first)}


def run_transformers(hf_dir: str, ids: list[int], decode: int, threads: int) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, LogitsProcessor, LogitsProcessorList

    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
    model.eval()
    stamps: list[float] = []

    class Stamp(LogitsProcessor):
        def __call__(self, input_ids, scores):  # called once per generated token, after its forward pass
            stamps.append(time.perf_counter())
            return scores

    def once(prompt: list[int], steps: int) -> tuple[float, float, float]:
        stamps.clear()
        tensor = torch.tensor([prompt])
        start = time.perf_counter()
        with torch.no_grad():
            model.generate(tensor, attention_mask=torch.ones_like(tensor), max_new_tokens=steps, min_new_tokens=steps,
                           do_sample=False, logits_processor=LogitsProcessorList([Stamp()]), pad_token_id=0)
        end = time.perf_counter()
        return start, stamps[0], end

    once(ids[:32], 4)
    start, first, end = once(ids, decode)
    return {"ttft_s": first - start, "prefill_tps": len(ids) / (first - start), "decode_tps": (decode - 1) / (end - first)}


def worker(args: argparse.Namespace) -> None:
    job = json.loads(Path(args.worker).read_text())
    engine, ids, decode, threads = job["engine"], job["ids"], job["decode"], job["threads"]
    if engine == "llama.cpp":
        result = run_llama(job["gguf"], ids, decode, threads)
    elif engine == "transformers":
        result = run_transformers(job["hf"], ids, decode, threads)
    else:
        result = run_og(job["onnx"], ids, decode, threads, job.get("adapter"))
    result["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(result))


# ---------------------------------------------------------------- driver
def prompt_ids(hf_dir: Path, count: int) -> list[int]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(hf_dir)
    ids: list[int] = []
    while len(ids) < count:
        ids += tokenizer(TEXT, add_special_tokens=False)["input_ids"]
    return ids[:count]


def make_adapter(home: str, model: str, rank: int) -> str:
    """A random rank-``rank`` all-projection adapter imported for the model; returns its .onnx_adapter path."""
    from bench.adapter_swap import write_random_peft
    from runtime.adapter_store import AdapterStore

    store = AdapterStore.for_home(home)
    config = json.loads((store.models.get(model).path / "hf" / "config.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        peft = write_random_peft(config, Path(tmp) / "peft", rank, seed=11)
        return str(store.import_peft(peft, "bench-throughput", model_name=model, replace=True).file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home")
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt-tokens", type=int, default=400)
    parser.add_argument("--decode-tokens", type=int, default=128)
    parser.add_argument("--llama-python", default="/work/benchvenv-llama/bin/python")
    parser.add_argument("--gguf", help="GGUF for llama.cpp (default: the model's import source)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--also-model", help="another installed model's plain graph as one more engine, "
                        "interleaved (e.g. a `kith compress` import against the Q4_1 default)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    from bench.llm_common import cpu_flags, median
    from runtime.model_store import ModelStore

    store = ModelStore.for_home(args.home)
    model = store.get(args.model or store.default_name())
    gguf = args.gguf or model.manifest.get("source", {}).get("path")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "llama.cpp" in engines and not Path(args.llama_python).exists():
        print(f"skipping llama.cpp: no bench venv python at {args.llama_python}")
        engines.remove("llama.cpp")
    other = store.get(args.also_model) if args.also_model else None
    if other is not None:
        engines.append(f"kith:{other.name}")
    ids = prompt_ids(model.path / "hf", args.prompt_tokens)
    adapter = make_adapter(args.home, model.name, 16) if "kith-lora+adapter" in engines else None
    print("cpu flags:", cpu_flags())
    print(f"model {model.name}; {len(ids)} prompt tokens; {args.decode_tokens} decoded; {args.threads} threads; "
          f"{args.rounds} rounds interleaved")
    results: dict[str, list[dict]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(args.rounds):
            for engine in engines:
                job = {"engine": engine, "ids": ids, "decode": args.decode_tokens, "threads": args.threads,
                       "gguf": gguf, "hf": str(model.path / "hf"),
                       "onnx": str(other.path / "onnx" if other is not None and engine == f"kith:{other.name}"
                                   else model.path / ("onnx" if engine == "kith" else "onnx-lora")),
                       "adapter": adapter if engine == "kith-lora+adapter" else None}
                job_file = Path(tmp) / "job.json"
                job_file.write_text(json.dumps(job))
                python = args.llama_python if engine == "llama.cpp" else sys.executable
                env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(args.threads),
                           HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
                proc = subprocess.run([python, __file__, "--worker", str(job_file)], capture_output=True, text=True,
                                      env=env, timeout=1800)
                line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
                if line is None:
                    print(f"{engine}: failed: {(proc.stderr or proc.stdout).strip().splitlines()[-3:]}")
                    continue
                result = json.loads(line[len("RESULT "):])
                results[engine].append(result)
                print(f"round {round_no + 1} {engine:<18} prefill {result['prefill_tps']:7.1f} tok/s  decode "
                      f"{result['decode_tps']:6.1f} tok/s  ttft {result['ttft_s'] * 1e3:7.1f} ms  "
                      f"rss {result['peak_rss_mb']:6.0f} MB", flush=True)
    print("\nmedians")
    summary = {}
    for engine, runs in results.items():
        if not runs:
            continue
        summary[engine] = {key: median(r[key] for r in runs) for key in runs[0]}
        s = summary[engine]
        print(f"{engine:<18} prefill {s['prefill_tps']:7.1f} tok/s  decode {s['decode_tps']:6.1f} tok/s  "
              f"ttft {s['ttft_s'] * 1e3:7.1f} ms  peak rss {s['peak_rss_mb']:6.0f} MB  (n={len(runs)})")
    if "kith" in summary and "llama.cpp" in summary:
        ratio = summary["kith"]["decode_tps"] / summary["llama.cpp"]["decode_tps"]
        print(f"kith/llama.cpp: decode x{ratio:.2f} ({'PASS' if ratio >= 1.0 else 'FAIL'} floor 1.0), prefill "
              f"x{summary['kith']['prefill_tps'] / summary['llama.cpp']['prefill_tps']:.2f}, ttft "
              f"x{summary['kith']['ttft_s'] / summary['llama.cpp']['ttft_s']:.2f}")
    if "kith" in summary and "kith-lora" in summary:
        slow = 1 - summary["kith-lora"]["decode_tps"] / summary["kith"]["decode_tps"]
        print(f"LoRA graph without adapter decodes {slow * 100:.0f}% slower than the plain graph")
    if adapter:
        from runtime.adapter_store import AdapterStore

        AdapterStore.for_home(args.home).remove("bench-throughput")


if __name__ == "__main__":
    main()
