"""Measure the generative answerer's verifier thresholds (`agent/verify.py`) instead of guessing them.

Pairs (sentence, chunk) are built from the grounded-QA sets (evals/answers/*.jsonl, lines with ``sentence``
and ``evidence``), indexed into a temporary home like `kith eval answers` does:

* supported: the gold sentence with its source chunk (the chunk that contains ``evidence``);
* wrong chunk: the same sentence with another chunk retrieved for the question (the best chunk of a top
  hit that contains neither the evidence nor the expected answer), as a model citing the wrong source;
* perturbed: the sentence with one fact changed (a number or date shifted, a month or weekday swapped, the
  answer replaced by another question's answer), on the source chunk, as a model getting a fact wrong.

For each (MIN_WORD_OVERLAP, MIN_SIMILARITY) on a grid it reports precision (kept pairs that are supported)
and recall (supported pairs kept), and recommends the pair with the highest recall at precision >= the
target (ties: the higher thresholds; none reaching it: the highest precision). Run::

    .venv/bin/python bench/verify_thresholds.py [SET ...] [--corpora DIR] [--target 0.95] [--json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.answer_set import AnswerSet, find_corpora, load_answer_set  # noqa: E402
from agent.citation_check import fold  # noqa: E402
from evals.eval_answers import build_index, normalise  # noqa: E402
from agent.verify import MIN_SIMILARITY, MIN_WORD_OVERLAP, NUMBER, Verifier, missing_facts, word_overlap  # noqa: E402

OVERLAPS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
SIMILARITIES = [0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def squash(text: str) -> str:
    return " ".join(fold(text).split())


def source_chunk(app: Any, evidence: str) -> str | None:
    """The chunk (else the mail body) that contains the evidence text."""
    wanted = squash(evidence)
    for (text,) in app.store.db.execute("SELECT text FROM chunks"):
        if wanted in squash(text):
            return text
    for (body,) in app.store.db.execute("SELECT body FROM documents"):
        if body and wanted in squash(body):
            return " ".join(body.split())
    return None


def shift_number(sentence: str) -> str | None:
    match = NUMBER.search(sentence)
    if not match:
        return None
    token = match.group(0)
    digits = [i for i, ch in enumerate(token) if ch.isdigit()]
    i = digits[-1] if len(digits) > 1 and token[digits[-1]] != "0" else digits[0]
    changed = token[:i] + str((int(token[i]) + 1) % 10) + token[i + 1:]
    return sentence[:match.start()] + changed + sentence[match.end():]


def swap_calendar_word(sentence: str) -> str | None:
    for names in (MONTHS, WEEKDAYS):
        for k, name in enumerate(names):
            if re.search(rf"\b{name}\b", sentence):
                return re.sub(rf"\b{name}\b", names[(k + 3) % len(names)], sentence, count=1)
    return None


def swap_answer(sentence: str, answers: list[str], others: list[str], chunk: str, start: int = 0) -> str | None:
    for answer in answers:
        found = re.search(re.escape(answer), sentence, re.I)
        if found:
            for other in others[start:] + others[:start]:
                if normalise(other) and normalise(other) not in normalise(chunk):
                    return sentence[:found.start()] + other + sentence[found.end():]
    return None


def pairs_for(app: Any, answer_set: AnswerSet, embedder: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from agent.generative_answer import best_chunk
    from indexer.search import SearchFilters
    import numpy as np

    items = [i for i in answer_set.items if i.sentence and i.evidence and not i.unknown]
    all_answers = [i.answers[0] for i in items]
    pairs, missing = [], []
    for number, item in enumerate(items):
        chunk = source_chunk(app, item.evidence or "")
        if chunk is None:
            missing.append(item.id)
            continue
        sentence = item.sentence or ""
        pairs.append({"id": item.id, "type": "supported", "sentence": sentence, "chunk": chunk})
        query_vector = np.asarray(embedder.encode([item.question]), dtype=np.float32)[0]
        wrong = 0
        for hit in app.searcher.search(item.question, SearchFilters(), limit=6):
            texts = app.store.chunk_texts(hit.id) or [hit.snippet or hit.title]
            other = best_chunk(embedder, query_vector, texts)
            mentions_answer = any(normalise(a) in normalise(other) for a in item.answers)
            if squash(item.evidence or "") in squash(other) or mentions_answer:
                continue
            pairs.append({"id": item.id, "type": "wrong_chunk", "sentence": sentence, "chunk": other})
            wrong += 1
            if wrong == 2:
                break
        others = [a for a in all_answers if a not in item.answers]
        for perturbed in {shift_number(sentence), swap_calendar_word(sentence),
                          swap_answer(sentence, item.answers, others, chunk, number)} - {None, sentence}:
            pairs.append({"id": item.id, "type": "perturbed", "sentence": perturbed, "chunk": chunk})
    return pairs, missing


def score(pairs: list[dict[str, Any]], verifier: Verifier) -> None:
    for pair in pairs:
        pair["overlap"] = round(word_overlap(pair["sentence"], pair["chunk"]), 4)
        pair["missing_facts"] = missing_facts(pair["sentence"], pair["chunk"])
        pair["similarity"] = round(verifier.similarity(pair["sentence"], pair["chunk"]), 4)


def grid(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    supported = sum(p["type"] == "supported" for p in pairs)
    for overlap in OVERLAPS:
        for similarity in SIMILARITIES:
            kept = [p for p in pairs if p["overlap"] >= overlap and not p["missing_facts"]
                    and p["similarity"] >= similarity]
            good = sum(p["type"] == "supported" for p in kept)
            rows.append({"min_overlap": overlap, "min_similarity": similarity, "kept": len(kept),
                         "precision": round(good / len(kept), 4) if kept else None,
                         "recall": round(good / supported, 4) if supported else None})
    return rows


def recommend(rows: list[dict[str, Any]], target: float) -> dict[str, Any] | None:
    """The highest recall at precision >= target; when no setting reaches it, the highest precision."""
    scored = [r for r in rows if r["precision"] is not None]
    ok = [r for r in scored if r["precision"] >= target]
    if ok:
        return max(ok, key=lambda r: (r["recall"], r["min_overlap"], r["min_similarity"]))
    return max(scored, key=lambda r: (r["precision"], r["recall"]), default=None)


def cell(row: dict[str, Any]) -> str:
    precision = "-" if row["precision"] is None else f"{row['precision']:.2f}"
    return f"{precision}/{row['recall']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="answer sets (default: the samples set, and Enron when available)")
    parser.add_argument("--corpora", help="corpora root for sets whose lines name a corpus")
    parser.add_argument("--target", type=float, default=0.95, help="precision the recommendation must reach")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from indexer.app import KithApp
    from indexer.embeddings import Embedder
    from indexer.scratch import temporary_home

    sets = [Path(s) for s in args.sets] or [REPO / "evals" / "answers" / "samples.jsonl"]
    corpora = Path(args.corpora) if args.corpora else find_corpora(REPO)
    if not args.sets and corpora and (corpora / "mail-enron-maildir-subset").is_dir():
        sets.append(REPO / "evals" / "answers" / "enron.jsonl")
    embedder = Embedder()
    verifier = Verifier(embedder)
    pairs: list[dict[str, Any]] = []
    missing: list[str] = []
    for path in sets:
        answer_set = load_answer_set(path, corpora)
        with temporary_home("kith-verify-") as home:
            app = KithApp(home, embedder=embedder)
            try:
                build_index(app, answer_set)
                found, lost = pairs_for(app, answer_set, embedder)
            finally:
                app.close()
        for pair in found:
            pair["set"] = path.stem
        pairs += found
        missing += [f"{path.stem}:{i}" for i in lost]
    score(pairs, verifier)
    rows = grid(pairs)
    best = recommend(rows, args.target)
    current = next(r for r in rows if r["min_overlap"] == MIN_WORD_OVERLAP and r["min_similarity"] == MIN_SIMILARITY) \
        if MIN_WORD_OVERLAP in OVERLAPS and MIN_SIMILARITY in SIMILARITIES else None
    counts = {t: sum(p["type"] == t for p in pairs) for t in ("supported", "wrong_chunk", "perturbed")}
    result = {"sets": [str(s) for s in sets], "pairs": counts, "evidence_not_found": missing, "target_precision":
              args.target, "current": current, "recommended": best, "grid": rows, "pair_scores": pairs}
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print(f"pairs: {counts}; evidence not found: {missing or 'none'}")
    caught = {t: sum(bool(p["missing_facts"]) for p in pairs if p["type"] == t) for t in counts}
    print(f"the fact check alone rejects: {caught}")
    print("precision / recall (fact check on; rows: min overlap, columns: min similarity)")
    print("overlap " + " ".join(f"{s:>11.2f}" for s in SIMILARITIES))
    for overlap in OVERLAPS:
        cells = [r for r in rows if r["min_overlap"] == overlap]
        print(f"{overlap:>7.1f} " + " ".join(cell(r).rjust(11) for r in cells))
    print(f"current defaults {MIN_WORD_OVERLAP}/{MIN_SIMILARITY}: {current}")
    print(f"recommended (highest recall at precision >= {args.target}, else the highest precision): {best}")


if __name__ == "__main__":
    main()
