"""Extractive summaries: MMR over sentence embeddings, keeping the sentences with names, dates and numbers.

``summarize`` takes a target (a document id or a free-text query) and returns the selected
sentences in their original order, each with its document id and locator. A mail's summary
covers its whole thread (indexer.threads); a conversation window's covers
its messages; a query's covers the top hits.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agent.mmr import mmr_select  # also importable from here (its old home)
from agent.safety import UntrustedText, addresses_an_assistant
from indexer.sentences import own_sentences
from indexer.threads import thread_documents

INFORMATIVE = re.compile(r"\d|\b[A-Z][a-z]+\b.*\b[A-Z][a-z]+\b|\b(mon|tue|wed|thu|fri|sat|sun)\w*day\b", re.I)


@dataclass
class SummarySentence:
    text: str
    doc_id: str
    locator: str | None
    author: str | None = None
    timestamp: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "id": self.doc_id, "locator": self.locator, "author": self.author,
                "timestamp": self.timestamp, "trust": "untrusted"}


@dataclass
class Summary:
    target: str
    scope: str                     # thread | conversation | document | hits
    documents: list[str] = field(default_factory=list)
    sentences: list[SummarySentence] = field(default_factory=list)
    mode: str = "extractive"       # extractive | generative (agent.generative_summary)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "scope": self.scope, "documents": self.documents, "mode": self.mode,
                "sentences": [s.to_json() for s in self.sentences], "notes": self.notes}


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.get("metadata") or {}
    return json.loads(meta) if isinstance(meta, str) else meta


def document_units(doc: dict[str, Any]) -> list[SummarySentence]:
    """The quotable sentences of a document; a mail or a message that reads as instructions to an AI
    (`agent.safety.addresses_an_assistant`) gives none."""
    meta = _meta(doc)
    if doc["kind"] == "message" and meta.get("messages"):
        return [SummarySentence(s, doc["id"], m.get("locator"), m.get("author"), m.get("timestamp"))
                for m in meta["messages"] if not addresses_an_assistant(str(m.get("text") or ""))
                for s in own_sentences(str(m.get("text") or ""))]
    if addresses_an_assistant(f"{doc.get('title') or ''}\n{doc.get('body') or ''}"):
        return []
    return [SummarySentence(s, doc["id"], doc.get("locator"), doc.get("author"), doc.get("timestamp"))
            for s in own_sentences(doc.get("body") or "")]


def summarize_documents(embedder: Any, docs: list[dict[str, Any]], target: str, scope: str,
                        k: int = 5, focus: str | None = None) -> Summary:
    units = [u for d in docs for u in document_units(d)]
    summary = Summary(target, scope, [d["id"] for d in docs])
    if not units:
        return summary
    vectors = embedder.encode([u.text for u in units])
    centre = vectors.mean(axis=0)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    relevance = vectors @ centre
    if focus:
        relevance = 0.5 * relevance + 0.5 * (vectors @ embedder.encode([focus])[0])
    relevance = relevance + np.array([0.1 if INFORMATIVE.search(u.text) else 0.0 for u in units])
    relevance = relevance + np.array([-0.2 if len(u.text) < 15 else 0.0 for u in units])
    picked = sorted(mmr_select(vectors, relevance, k))
    summary.sentences = [units[i] for i in picked]
    return summary


def summarize(app: Any, target: str, k: int = 5, mode: str | None = None) -> Summary:
    """Summarise a document id (its thread or conversation) or the top hits of a query.

    ``mode`` "generative" (or kith.toml ``[agent] summarizer``) has the on-device model write a verified summary
    (agent.generative_summary), falling back to this extractive one."""
    store = app.store
    doc = store.get_document(target)
    focus = None
    if doc is not None and doc["kind"] == "mail":
        docs = thread_documents(store, doc)
        scope = "thread" if len(docs) > 1 else "document"
    elif doc is not None:
        docs, scope = [doc], "conversation" if doc["kind"] == "message" else "document"
    else:
        from indexer.search import SearchFilters

        hits = app.searcher.search(target, SearchFilters(), limit=8)
        docs = store.documents_by_ids([h.id for h in hits])
        order = {h.id: i for i, h in enumerate(hits)}
        docs.sort(key=lambda d: order.get(d["id"], 99))
        scope, focus = "hits", target
    summary = summarize_documents(app.embedder, docs, target, scope, k, focus=focus)
    from agent.generative_summary import summarizer_for

    summarizer = summarizer_for(app, mode)
    return summary if summarizer is None or not docs else summarizer.summarize(docs, summary)


def as_untrusted(summary: Summary) -> list[UntrustedText]:
    return [UntrustedText(s.text, s.doc_id, s.locator) for s in summary.sentences]
