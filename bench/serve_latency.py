"""First-token latency and decode tokens/s: `kith serve` over HTTP (streaming, openai client, server in
its own process) against the same generator in process, interleaved A/B/A/B, medians.

    .venv/bin/python bench/serve_latency.py --models-from HOME [--model smollm2] [--rounds 6] [--tokens 64]

``--models-from`` is a kith home with the model installed (`kith model import`); its ``models/`` folder is
linked into a scratch home, so nothing is written to it.
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Write a short paragraph about a boat trip to Cascais with friends."}]


def cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "fma", "amx_tile")
                return " ".join(f for f in line.split(":", 1)[1].split() if f in wanted)
    except OSError:
        pass
    return platform.machine()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_process(generator, tokens: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = None
    result = None
    for item in generator.stream(MESSAGES, max_tokens=tokens):
        if hasattr(item, "finish_reason"):
            result = item
        elif first is None and item.text:
            first = time.perf_counter()
    end = time.perf_counter()
    first = first or end
    steps = max(result.completion_tokens - 1, 1)
    return first - started, steps / max(end - first, 1e-9), result.completion_tokens


def over_http(client, model: str, tokens: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = None
    count = 0
    stream = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=tokens, stream=True,
                                            stream_options={"include_usage": True})
    for event in stream:
        if event.usage:
            count = event.usage.completion_tokens
        for choice in event.choices:
            if choice.delta.content and first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    first = first or end
    return first - started, max(count - 1, 1) / max(end - first, 1e-9), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-from", type=Path, required=True)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    from openai import OpenAI

    from runtime.generator import load_generator
    from serve.security import load_or_create_token

    scratch = Path(tempfile.mkdtemp(prefix="kith-serve-bench-"))
    (scratch / "models").symlink_to((args.models_from / "models").resolve())
    token = load_or_create_token(scratch)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    server = subprocess.Popen([sys.executable, "-m", "kith", "serve", "--home", str(scratch), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=token, max_retries=0, timeout=600)
        deadline = time.monotonic() + 120
        while True:
            try:
                client.models.list()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("kith serve did not start")
                time.sleep(0.5)
        generator = load_generator(scratch, args.model)
        in_process(generator, 8)            # warm both sides
        over_http(client, args.model, 8)
        rows: dict[str, list[tuple[float, float, int]]] = {"in-process": [], "http": []}
        for _ in range(args.rounds):      # interleaved A/B/A/B
            rows["in-process"].append(in_process(generator, args.tokens))
            rows["http"].append(over_http(client, args.model, args.tokens))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"model {args.model}, {args.tokens} new tokens, {args.rounds} interleaved rounds, "
          f"{os.cpu_count()} CPUs, flags: {cpu_flags()}")
    for name, values in rows.items():
        ttft = statistics.median(v[0] for v in values) * 1000
        rate = statistics.median(v[1] for v in values)
        made = statistics.median(v[2] for v in values)
        print(f"  {name:<10} first token {ttft:7.1f} ms (median)   decode {rate:6.1f} tokens/s (median)   "
              f"tokens {made:.0f}")


if __name__ == "__main__":
    main()
