"""Issue 13's ask latency: `kith ask` as a whole process through the daemon, with the LLM planner and the
generative answerer on SmolLM2-135M int4, against the deterministic planner and extractive answerer on the
same daemon, interleaved question by question (A/B/A/B).

For each stage it reports the prompt length, the tokens whose state was reused from the previous request
(runtime.prefix_cache) and the time to first token, parsed from the plan's notes.

    python bench/ask_llm_latency.py [--messages 1000] [--questions 40] [--root /tmp/kith-bench]
                                    [--adapters-from HOME] [--json]

The home is the daemon benchmarks' Enron home (built and indexed once, cached under --root); the bundled
SmolLM2 is imported into it once.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from _daemon_bench import KITH, build_home, cpu_info, percentile, running_daemon

QUESTIONS = [
    "what did they say about the gas pipeline contract?", "when is the budget meeting?", "who sent the travel plans?",
    "find the mail about the conference call", "what was decided about the trading limits?",
    "did anyone mention the California power crisis?", "what did Phillip say about the west desk?",
    "when is the next staff meeting?", "show me mail about natural gas prices", "what is the status of the deal?",
    "who asked about the office move?", "what did the lawyers say about the agreement?",
    "find messages about the holiday party", "what did John send me last week?", "how many mails mention Houston?",
    "what are the details of the storage contract?", "who is organizing the training session?",
    "what was in the report about the gas curves?", "did anyone reply about the fantasy football league?",
    "what is the phone number of the help desk?",
    "remind me to call Phillip tomorrow at 9", "send a message to John saying I'm running late",
    "add an event lunch with the team on Friday at 1pm", "email Jeff about the quarterly report",
    "remind me to book the dentist on Monday at 8:30",
    "what's the weather in Paris tomorrow?", "tell me a joke", "translate good morning into German",
    "what is the capital of Australia?", "play some jazz",
    "summarize the thread about the pipeline", "who is Phillip Allen?", "when did I last hear from Jeff?",
    "quel est le budget pour la réunion ?", "what did the email about the risk management policy say?",
    "any news about the Enron online launch?", "what time is the meeting with the bankers?",
    "which mails talk about the credit department?", "what did they say about the rate case?",
    "where is the gas storage facility?",
]
NOTE = re.compile(r"(llm planner|answerer): (\d+) prompt tokens \((\d+) reused\), first token ([\d.]+) s")


def ask(home: Path, question: str, planner: str, answerer: str) -> tuple[float, dict]:
    started = time.monotonic()
    done = subprocess.run([KITH, "ask", "--json", "--explain", question, "--home", str(home), "--planner", planner,
                           "--answerer", answerer], capture_output=True, text=True)
    elapsed = (time.monotonic() - started) * 1000
    if done.returncode not in (0, 1):  # 1: needs confirmation / not found
        raise SystemExit(f"kith ask failed on {question!r}:\n{done.stderr[-2000:]}")
    try:
        return elapsed, json.loads(done.stdout)
    except ValueError:
        return elapsed, {"error": done.stderr.strip()[-300:]}


SWITCH = re.compile(r"(llm planner|answerer): [^\"]*?, adapter \S+ activated in ([\d.]+) ms")


def stages(answer: dict) -> dict[str, tuple[int, int, float]]:
    text = json.dumps(answer)
    return {m.group(1): (int(m.group(2)), int(m.group(3)), float(m.group(4))) for m in NOTE.finditer(text)}


def switches(answer: dict) -> dict[str, float]:
    """Milliseconds each stage spent activating its adapter (absent without an adapter)."""
    return {m.group(1): float(m.group(2)) for m in SWITCH.finditer(json.dumps(answer))}


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--root", default="/tmp/kith-bench")
    parser.add_argument("--adapters-from", type=Path, help="a home whose trained adapters (planner, answer) to use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    home, _ = build_home(Path(args.root), args.messages)
    if not (home / "models" / "smollm2").exists():
        subprocess.run([KITH, "model", "import", "--home", str(home)], check=True, stdout=subprocess.DEVNULL)
    if args.adapters_from and not (home / "adapters").exists():
        (home / "adapters").symlink_to((args.adapters_from / "adapters").resolve())
    questions = (QUESTIONS * (1 + args.questions // len(QUESTIONS)))[: args.questions]
    rows: dict[str, list[float]] = {"llm+generative": [], "deterministic+extractive": []}
    per_stage: dict[str, list[tuple[int, int, float]]] = {}
    fallbacks, planners = 0, {}
    adapter_ms: dict[str, list[float]] = {}
    with running_daemon(home):
        ask(home, "warm up the model: when is the meeting?", "llm", "generative")
        for number, question in enumerate(questions):
            order = [("llm", "generative"), ("deterministic", "extractive")]
            for planner, answerer in order if number % 2 == 0 else order[::-1]:
                elapsed, answer = ask(home, question, planner, answerer)
                rows[f"{planner}+{answerer}"].append(elapsed)
                if planner == "llm":
                    for stage, value in stages(answer).items():
                        per_stage.setdefault(stage, []).append(value)
                    for stage, ms in switches(answer).items():
                        adapter_ms.setdefault(stage, []).append(ms)
                    used = str((answer.get("plan") or {}).get("planner") or "error")
                    planners[used] = planners.get(used, 0) + 1
                    fallbacks += "fallback" in used
    report = {"cpu": cpu_info(), "questions": len(questions),
              "adapters": sorted(p.name for p in (home / "adapters").iterdir()) if (home / "adapters").is_dir() else [],
              "whole_process_ms": {name: summary(values) for name, values in rows.items()},
              "planner_used": planners, "fallbacks": fallbacks, "stages": {}}
    for stage, values in per_stage.items():
        report["stages"][stage] = {
            "requests": len(values), "prompt_tokens_p50": statistics.median(v[0] for v in values),
            "reused_tokens_p50": statistics.median(v[1] for v in values),
            "ttft_ms": summary([v[2] * 1000 for v in values])}
        if adapter_ms.get(stage):
            report["stages"][stage]["adapter_switch_ms"] = summary(adapter_ms[stage])
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['cpu']['model']}, {report['cpu']['cores']} cores, {len(questions)} questions, interleaved")
    for name, values in report["whole_process_ms"].items():
        print(f"  kith ask {name:<26} p50 {values['p50']:7.1f} ms   p95 {values['p95']:7.1f} ms")
    for stage, values in report["stages"].items():
        print(f"  {stage:<12} {values['requests']:3d} requests, prompt {values['prompt_tokens_p50']:.0f} tokens "
              f"({values['reused_tokens_p50']:.0f} reused), first token p50 {values['ttft_ms']['p50']:.0f} ms "
              f"p95 {values['ttft_ms']['p95']:.0f} ms")
    print(f"  planner used: {planners}")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
