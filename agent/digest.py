"""`kith digest`: what needs attention, ranked by notification priority with explainable features.

Features per incoming mail or conversation window since ``since``: sender importance (a relation
of the owner, interaction frequency), direct address (the owner alone in To), a question addressed
to the owner, deadlines and dates mentioned, and whether the thread is still unreplied. Bulk mail
(mailing lists, newsletters, no-reply senders: flagged by the mail reader) counts against an item.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from indexer.store import to_utc_iso
from indexer.timeparse import parse_when

WEIGHTS = {"relation": 1.0, "frequency": 0.6, "direct": 0.5, "question": 0.8, "deadline": 0.7, "unreplied": 0.6,
           "bulk": -1.5}
DEADLINE = re.compile(r"\b(deadline|due|by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|eod|end of)|"
                      r"asap|urgent|before \w+day|tomorrow|tonight|\d{1,2}(:\d{2})?\s*(am|pm)|at \d{1,2}[:.]\d{2}|"
                      r"(on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                      r"\d{1,2}(st|nd|rd|th)? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|"
                      r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}(st|nd|rd|th)?)\b", re.I)
QUESTION = re.compile(r"\?|\b(can you|could you|would you|will you|let me know|please (confirm|reply|send|call))\b", re.I)


@dataclass
class DigestItem:
    doc_id: str
    kind: str
    title: str
    sender: str | None
    timestamp: str | None
    score: float
    features: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.doc_id, "kind": self.kind, "title": self.title, "sender": self.sender,
                "timestamp": self.timestamp, "score": round(self.score, 4),
                "features": {k: round(v, 4) for k, v in self.features.items()}, "reason": self.reason}


def _owner_addresses(app: Any) -> set[str]:
    owner = app.home.config.get("owner") or {}
    values = [owner.get("name") or ""] + list(owner.get("emails") or []) + list(owner.get("phones") or [])
    return {v.lower() for v in values if v}


def _relations(app: Any) -> set[str]:
    """Addresses/names of the owner's relations (spouse, parent...) from the people layer if present."""
    names: set[str] = set()
    for phrase in ("my husband", "my wife", "my partner", "mum", "dad", "my mother", "my father"):
        try:
            from indexer.search_service import resolve_person_keys

            keys = resolve_person_keys(app, phrase) or []
        except Exception:
            keys = []
        names |= {k.split(":", 1)[1] for k in keys if ":" in k}
    return names


def build_digest(app: Any, since: str = "1d", now: datetime | None = None, limit: int = 10) -> list[DigestItem]:
    now = now or datetime.now().astimezone()
    start = parse_when(since, now=now)
    owner = _owner_addresses(app)
    relations = _relations(app)
    store = app.store
    rows = store.conversations_between(to_utc_iso(start), to_utc_iso(now))
    counts = store.counts_by_author()
    top_count = max(counts.values(), default=1)
    replied_to = store.replied_message_ids()
    items = []
    for doc_id, kind, title, author, timestamp, body, meta_text in rows:
        meta = json.loads(meta_text) if meta_text else {}
        sender = meta.get("from_address") or author or ""
        if meta.get("is_sent") or (sender and sender.lower() in owner) or (author and author.lower() in owner):
            continue
        if kind == "message" and meta.get("messages") and meta["messages"][-1].get("is_from_me"):
            continue  # the owner spoke last: nothing pending
        text = body or ""
        lowered_sender = f"{author or ''} {sender}".lower()
        features = {
            "relation": 1.0 if any(r and r in lowered_sender for r in relations) else 0.0,
            "frequency": math.log1p(counts.get(author, 0)) / math.log1p(top_count) if top_count else 0.0,
            "direct": 1.0 if kind == "message" or (meta.get("to") and len(meta["to"]) == 1
                                                     and meta["to"][0].lower() in owner) else 0.0,
            "question": 1.0 if QUESTION.search(text) else 0.0,
            "deadline": 1.0 if DEADLINE.search(f"{title or ''}\n{text}") else 0.0,
            "unreplied": 0.0 if kind != "mail" or meta.get("message_id") in replied_to
            or "R" in str(meta.get("flags") or "") else 1.0,
            "bulk": 1.0 if meta.get("bulk") else 0.0,
        }
        score = sum(WEIGHTS[k] * v for k, v in features.items())
        reason = ", ".join(k for k, v in features.items() if v >= 0.5 and WEIGHTS[k] > 0)
        if features["bulk"]:
            reason = f"{reason} (bulk mail)" if reason else "bulk mail"
        items.append(DigestItem(doc_id, kind, title or "", author or sender, timestamp, score, features, reason))
    items.sort(key=lambda item: (-item.score, item.timestamp or ""))
    return items[:limit]
