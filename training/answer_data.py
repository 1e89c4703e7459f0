"""Training data for the answer adapter, built on this machine from the user's own index.

Each example is the generative answerer's exact prompt (`agent.generative_answer`: numbered,
delimited sources and the question) and a grounded target: a sentence taken verbatim from the
source that holds the answer, ending with its citation `[n]`. The answering document sits at a
random position among distractor documents, and about one example in five leaves it out so that
the target is `NOT FOUND`. Questions come from templates over the document's own title, author and
kind. Targets are verbatim source sentences, so they pass `agent.verify` by construction.

Nothing leaves the machine; the examples are written only to the adapter's training folder.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from agent.generative_answer import NOT_FOUND, SYSTEM, source_block
from indexer.chunking import split_sentences

TEMPLATES = {
    "event": ["when is {title}?", "what do I have for {title}?", "tell me about {title}"],
    "mail": ["what did {author} write about {title}?", "what is the mail about {title}?",
             "what did the email about {title} say?"],
    "message": ["what did {author} say?", "what did {author} text me?"],
    "contact": ["who is {title}?", "how do I reach {title}?"],
    "photo": ["where was the photo {title} taken?", "when was {title} taken?"],
}
SOURCES = 3


@dataclass(frozen=True)
class ChatExample:
    """A chat prompt (system and user messages) and the assistant text to learn."""

    messages: list[dict[str, str]]
    target: str
    kind: str


def _hit(doc: dict[str, Any]) -> Any:
    return SimpleNamespace(kind=doc["kind"], title=doc.get("title") or "", local_time=None,
                           timestamp=doc.get("timestamp"))


def _author(doc: dict[str, Any]) -> str:
    author = doc.get("author") or ""
    return author.split("<")[0].strip().strip('"') or "they"


def _best_sentence(question: str, text: str) -> str | None:
    words = {w.lower().strip("?,.") for w in question.split() if len(w) > 3}
    sentences = [s for s in split_sentences(text) if 20 <= len(s) <= 300]
    if not sentences:
        return None
    return max(sentences, key=lambda s: len(words & {w.lower().strip("?,.") for w in s.split()}))


def answer_examples(store: Any, count: int = 200, seed: int = 0) -> list[ChatExample]:
    """Up to `count` examples from the documents in `store` (a kith `Store`)."""
    rng = random.Random(seed)
    ids = store.sample_document_ids(list(TEMPLATES), limit=max(count * 2, 50), seed=seed)
    first_chunk = {}  # each document's first chunk, read once
    for doc_id in ids:
        chunks = store.chunk_texts(doc_id)
        if chunks:
            first_chunk[doc_id] = chunks[0]
    docs = [d for d in store.documents_by_ids(ids) if d["id"] in first_chunk]
    out: list[ChatExample] = []
    for doc in docs:
        if len(out) >= count or len(docs) < 2:
            break
        question = rng.choice(TEMPLATES[doc["kind"]]).format(title=doc.get("title") or doc["kind"],
                                                             author=_author(doc))
        chunk = first_chunk[doc["id"]]
        others = rng.sample([d for d in docs if d["id"] != doc["id"]], k=min(SOURCES - 1, len(docs) - 1))
        unanswerable = rng.random() < 0.2
        sources = list(others) if unanswerable else others + [doc]
        rng.shuffle(sources)
        blocks = [source_block(i + 1, _hit(d), first_chunk[d["id"]]) for i, d in enumerate(sources)]
        if unanswerable:
            target = NOT_FOUND
        else:
            sentence = _best_sentence(question, chunk)
            if sentence is None:
                continue
            target = f"{sentence.rstrip()} [{sources.index(doc) + 1}]"
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": "\n".join(blocks) + f"\n\nQuestion: {question}"}]
        out.append(ChatExample(messages, target, "not_found" if unanswerable else doc["kind"]))
    return out
