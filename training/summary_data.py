"""Training data for the summarize adapter, built on this machine from the user's own index.

Each example is the generative summarizer's exact prompt (`agent.generative_summary.summary_prompt`:
numbered, delimited sources) over one mail thread, one conversation, or a few documents that a search
would return together, and a target of two or three sentences that the extractive summarizer
(`agent.summarize.summarize_documents`, centrality plus MMR) picks from those sources, each quoted
verbatim and ending with the number of its source, `[n]`. So targets pass `agent.verify` by
construction and teach the citation format the verifier needs.

Nothing leaves the machine; the examples are written only to the adapter's training folder.
"""
from __future__ import annotations

import random
from typing import Any

from agent.generative_summary import summary_prompt
from agent.summarize import summarize_documents
from indexer.threads import thread_documents
from training.answer_data import ChatExample

KINDS = ("mail", "message")
SENTENCES = 3


def _groups(store: Any, rng: random.Random, count: int, seed: int) -> list[list[dict[str, Any]]]:
    ids = store.sample_document_ids(list(KINDS), limit=max(count * 2, 50), seed=seed)
    docs = store.documents_by_ids(ids)
    groups = []
    for doc in docs:
        thread = thread_documents(store, doc)
        if len(thread) > 1 or doc["kind"] == "message":
            groups.append(thread)
        if len(docs) > 2:  # a few documents together, as for `kith summarize QUERY`
            groups.append([doc] + rng.sample([d for d in docs if d["id"] != doc["id"]], rng.randint(1, 2)))
    rng.shuffle(groups)
    return groups


def summary_examples(store: Any, embedder: Any, count: int = 200, seed: int = 0) -> list[ChatExample]:
    """Up to `count` (prompt, cited extractive summary) examples from the documents in `store`."""
    rng = random.Random(seed)
    out: list[ChatExample] = []
    for docs in _groups(store, rng, count, seed):
        if len(out) >= count:
            break
        messages, used, texts = summary_prompt(docs)
        if not used:
            continue
        picked = summarize_documents(embedder, used, "training", "hits", k=SENTENCES).sentences
        number = {d["id"]: i for i, d in enumerate(used, 1)}
        lines = [f"{s.text.rstrip()} [{number[s.doc_id]}]" for s in picked
                 if s.doc_id in number and s.text in texts[number[s.doc_id] - 1]]
        if lines:
            out.append(ChatExample(messages, " ".join(lines), "thread" if len(used) > 1 else "document"))
    return out
