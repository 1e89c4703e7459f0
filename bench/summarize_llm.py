"""Generative summaries with and without the summarize adapter, on mail the adapter never saw.

An Enron mailbox (`../shared/corpora/mail-enron-maildir-subset`) is indexed into its own home, whose model
and adapters are the ones of ``--models-from`` (symlinked). For each mail thread of two or more mails (then
single long mails, up to ``--threads``), the generative summarizer (`agent.generative_summary`) runs once
per engine, the engines alternating item by item (A/B/B/A): the base model and each named adapter.
Reported per engine: how many summaries stayed generative (at least one generated sentence supported by the
source it cites; otherwise the extractive summary stands), generated and kept sentences, and time.

    python bench/summarize_llm.py --models-from HOME [--adapters none,summarize] [--threads 30] [--json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MAILDIR = REPO.parent / "shared" / "corpora" / "mail-enron-maildir-subset" / "data" / "maildir"


def build_home(root: Path, models_from: Path, mailbox: str, model: str) -> Path:
    from indexer.app import KithApp

    home = root / "home"
    if (home / "kith.db").exists():
        return home
    shutil.rmtree(root, ignore_errors=True)
    home.mkdir(parents=True)
    for folder in ("models", "adapters"):
        (home / folder).symlink_to((models_from / folder).resolve())
    (home / "kith.toml").write_text(f'[runtime]\nmodel = "{model}"\n')
    app = KithApp(home)
    report = app.indexer.index_paths([MAILDIR / mailbox])
    app.close()
    print(f"indexed {report.docs_added} mails of {mailbox}", file=sys.stderr)
    return home


def pick_items(store, count: int) -> list[list[dict]]:
    from indexer.threads import thread_documents, thread_key

    docs = store.documents_by_ids(store.sample_document_ids(["mail"], limit=2000, seed=0))
    threads, seen, singles = [], set(), []
    for doc in docs:
        key = thread_key(doc)
        if key in seen:
            continue
        seen.add(key)
        thread = thread_documents(store, doc)
        if len(thread) > 1:
            threads.append(thread)
        elif len(doc.get("body") or "") > 400:
            singles.append([doc])
    return (threads + singles)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-from", type=Path, required=True, help="a kith home with the model and adapters")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--mailbox", default="crandell-s")
    parser.add_argument("--adapters", default="none,summarize", help="engines: none (base model) or adapter names")
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--root", type=Path, default=Path("/tmp/kith-sum"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not MAILDIR.exists():
        sys.exit(f"summarize_llm: {MAILDIR} is missing (../shared/corpora)")

    from agent.choose import generator_for
    from agent.generative_summary import GenerativeSummarizer
    from agent.summarize import Summary, summarize_documents
    from indexer.app import KithApp

    app = KithApp(build_home(args.root, args.models_from, args.mailbox, args.model))
    items = pick_items(app.store, args.threads)
    generator = generator_for(app)
    engines = [e.strip() for e in args.adapters.split(",") if e.strip()]
    stats = {e: {"generative": 0, "generated": 0, "kept": 0, "seconds": [], "examples": []} for e in engines}
    for i, docs in enumerate(items):
        order = engines if i % 2 == 0 else engines[::-1]
        for engine in order:
            fallback = summarize_documents(app.embedder, docs, docs[0]["id"], "thread", 3)
            summarizer = GenerativeSummarizer(generator, app.embedder, adapter=None if engine == "none" else engine)
            started = time.perf_counter()
            summary: Summary = summarizer.summarize(docs, fallback)
            row = stats[engine]
            row["seconds"].append(time.perf_counter() - started)
            removed = sum(n.startswith("removed unsupported sentence") for n in summary.notes)
            kept = len(summary.sentences) if summary.mode == "generative" else 0
            row["generative"] += summary.mode == "generative"
            row["kept"] += kept
            row["generated"] += kept + removed
            if len(row["examples"]) < 3 and summary.mode == "generative":
                row["examples"].append(" ".join(s.text for s in summary.sentences)[:300])
        print(f"summarized {i + 1}/{len(items)}", file=sys.stderr, flush=True)
    app.close()
    result = {"items": len(items), "mailbox": args.mailbox, "engines": {
        e: {"generative_summaries": r["generative"], "generated_sentences": r["generated"], "kept_sentences": r["kept"],
            "kept_fraction": round(r["kept"] / r["generated"], 3) if r["generated"] else None,
            "median_seconds": round(statistics.median(r["seconds"]), 2) if r["seconds"] else None,
            "examples": r["examples"]} for e, r in stats.items()}}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{len(items)} Enron threads/mails of {args.mailbox}; generative summaries (verified), per engine:")
    for engine, r in result["engines"].items():
        print(f"  {engine:<12} generative {r['generative_summaries']}/{len(items)}, sentences kept "
              f"{r['kept_sentences']}/{r['generated_sentences']}, median {r['median_seconds']} s")


if __name__ == "__main__":
    main()
