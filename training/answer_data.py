"""Training data for the answer adapter, built on this machine from the user's own index.

Each example is the generative answerer's exact prompt (`agent.generative_answer`: numbered,
delimited sources and the question) and a grounded target: a sentence taken verbatim from the
source that holds the answer, ending with its citation `[n]`. The answering document sits at a
random position among distractor documents, and about one example in five leaves it out so that
the target is `NOT FOUND`. Six questions in ten ask about one fact-bearing sentence inside the
document (with a few of its own content words); the rest come from templates over the document's
title, author and kind. Targets are verbatim source sentences, so they pass `agent.verify` by construction.

Nothing leaves the machine; the examples are written only to the adapter's training folder.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from agent.generative_answer import NOT_FOUND, SYSTEM, source_block
from indexer.chunking import split_sentences
from indexer.text_match import query_terms

TEMPLATES = {
    "event": ["when is {title}?", "what do I have for {title}?", "tell me about {title}"],
    "mail": ["what did {author} write about {title}?", "what is the mail about {title}?",
             "what did the email about {title} say?"],
    "message": ["what did {author} say?", "what did {author} text me?"],
    "contact": ["who is {title}?", "how do I reach {title}?"],
    "photo": ["where was the photo {title} taken?", "when was {title} taken?"],
}
SOURCES = 3
FACT_SHARE = 0.6  # of the examples: a question about one fact inside the document (`_fact_question`)


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


FACT = re.compile(r"\d|\b[A-Z][a-z]+\b")
FACT_TEMPLATES = ["what did the {kind} say about {terms}?", "{terms}: what are the details?",
                  "what do I know about {terms}?", "tell me about {terms}"]


def _fact_question(rng: random.Random, doc: dict[str, Any], chunk: str) -> tuple[str, str] | None:
    """A question about one fact-bearing sentence past the document's first (which mostly repeats the title),
    asked with a few of that sentence's own content words, so the adapter learns to quote the sentence that
    answers rather than the start of a source."""
    sentences = [x for x in split_sentences(chunk)[1:] if 20 <= len(x) <= 300 and FACT.search(x)]
    if not sentences:
        return None
    sentence = rng.choice(sentences)
    title = set(query_terms(doc.get("title") or ""))
    terms = [t for t in query_terms(sentence) if t not in title and not t.isdigit() and len(t) > 3]
    if len(terms) < 2:
        return None
    picked = rng.sample(terms, min(len(terms), rng.randint(2, 3)))
    return rng.choice(FACT_TEMPLATES).format(kind=doc["kind"], terms=" ".join(picked)), sentence


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
        chunk = first_chunk[doc["id"]]
        fact = _fact_question(rng, doc, chunk) if rng.random() < FACT_SHARE else None
        question = fact[0] if fact else rng.choice(TEMPLATES[doc["kind"]]).format(
            title=doc.get("title") or doc["kind"], author=_author(doc))
        others = rng.sample([d for d in docs if d["id"] != doc["id"]], k=min(SOURCES - 1, len(docs) - 1))
        unanswerable = rng.random() < 0.2
        sources = list(others) if unanswerable else others + [doc]
        rng.shuffle(sources)
        blocks = [source_block(i + 1, _hit(d), first_chunk[d["id"]]) for i, d in enumerate(sources)]
        if unanswerable:
            target = NOT_FOUND
        else:
            sentence = fact[1] if fact else _best_sentence(question, chunk)
            if sentence is None:
                continue
            target = f"{sentence.rstrip()} [{sources.index(doc) + 1}]"
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": "\n".join(blocks) + f"\n\nQuestion: {question}"}]
        out.append(ChatExample(messages, target, "not_found" if unanswerable else doc["kind"]))
    return out
