"""Where to put ``min_mean_logprob`` (serve/tiers.py): the device model's constrained draft on questions
the retrieved sources answer vs questions they do not, mean token log-probability per draft.

    .venv/bin/python bench/tier_threshold.py --models-from HOME [--model smollm2]

Indexes samples/data into a scratch home (the sample owner's kith.toml), answers each question with
the extractive agent, builds the exact prompt a tier would get (serve.orchestrate.answer_messages)
and runs the same constrained draft the router runs. Prints each value and the midpoint between the
two groups' medians.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NOW = "2026-11-23T09:00:00+00:00"
ANSWERED = ["when is my next dentist appointment?", "what did Alice say about the boat trip?",
            "where did we have dinner in Lisbon?", "when is the team sync with Bob?",
            "what is the booking reference for the Porto weekend?", "when is Mum's birthday?"]
UNANSWERED = ["what is the boiling point of tungsten?", "who won the 1987 chess olympiad?",
              "how many moons does Neptune have?", "what is the airspeed of a swallow?",
              "which opera did Verdi write last?", "what is the tax rate in Andorra?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-from", type=Path, required=True)
    parser.add_argument("--model", default="smollm2")
    args = parser.parse_args()
    from agent.ask_service import AskRequest, run_ask
    from indexer.app import KithApp
    from indexer.home import KithHome
    from serve.generation import GenerationPool
    from serve.orchestrate import answer_messages, device_signals

    home = Path(tempfile.mkdtemp(prefix="kith-threshold-"))
    shutil.copy(REPO / "samples" / "kith.toml", home / "kith.toml")
    (home / "models").symlink_to((args.models_from / "models").resolve())
    app = KithApp(home)
    app.indexer.index_paths([REPO / "samples" / "data"])
    pool = GenerationPool(KithHome.resolve(home))
    groups: dict[str, list[float]] = {"answered": [], "unanswered": []}
    for group, questions in (("answered", ANSWERED), ("unanswered", UNANSWERED)):
        for question in questions:
            answer = run_ask(app, AskRequest(question, NOW))
            signals = device_signals(pool, args.model, answer_messages(app, question, answer))
            value = signals["mean_logprob"]
            print(f"{group:<10} {value if value is None else round(value, 3)!s:>8}  "
                  f"{signals['prompt_tokens']} prompt tokens  {signals['draft_error'] or ''}  {question}")
            if value is not None:
                groups[group].append(value)
    medians = {g: statistics.median(v) for g, v in groups.items() if v}
    print({g: round(m, 3) for g, m in medians.items()})
    if len(medians) == 2:
        print(f"midpoint threshold: {round((medians['answered'] + medians['unanswered']) / 2, 2)}")
    app.close()


if __name__ == "__main__":
    main()
