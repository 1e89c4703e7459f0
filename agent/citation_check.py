"""Citation precision for `kith eval answers`: does the document an answer sentence cites support it?

Two independent judges, and a sentence counts as correctly cited only when both agree:

* the verifier (`agent.verify.Verifier`, the same thresholds the generative answerer uses): content-word
  overlap, every number/date/name present, embedding similarity, against each chunk of the cited document;
* an exact-match spot check written separately here: every number or code (``09:30``, ``AZ-55120``,
  ``+351-912-345-678``, compared digit for digit), month, weekday and capitalised name of the sentence
  appears in the cited document's text, and at least half of its other content words do, verbatim.

"The cited document's text" is its chunks and body plus its stored fields (title, author, place, path, metadata
values, and its dates rendered as the composer renders them), because extractive answers also render
fields (an event's start and place, a photo's date and people). A quoted line is judged on the quote
(the "who, when:" prefix is the cited document's own author and date).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from agent.verify import CITATION, Verifier
from indexer.text_match import query_terms

FACT = re.compile(r"[+#$£€]?\w*\d(?:[\w:.,/+-]*\w)?")
MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*day\b", re.I)
CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")
MIN_CONTENT = 0.5
_QUOTES = "“”\"'"


def fold(text: str) -> str:
    """Lower case, accents removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


def spot_check(sentence: str, support: str) -> list[str]:
    """What the sentence states that the support text does not contain, verbatim (empty: it passes)."""
    haystack, packed = fold(support), compact(support)
    missing: list[str] = []
    for fact in FACT.findall(sentence):
        key = compact(fact)
        if not key:
            continue
        if len(key) <= 2:
            if not re.search(rf"(?<![0-9a-z]){re.escape(key)}(?![0-9])", haystack):
                missing.append(fact)
        elif key not in packed:
            missing.append(fact)
    for match in list(MONTH.finditer(sentence)) + list(WEEKDAY.finditer(sentence)):
        if not re.search(rf"\b{match.group(1).lower()}", haystack):
            missing.append(match.group(0))
    first_word = re.match(r"\W*(\w+)", sentence)
    for name in CAPITALISED.findall(sentence):
        if first_word and name == first_word.group(1) or MONTH.fullmatch(name) or WEEKDAY.fullmatch(name):
            continue
        if not re.search(rf"\b{re.escape(fold(name))}", haystack):
            missing.append(name)
    words = [w for w in query_terms(fold(sentence)) if not any(ch.isdigit() for ch in w)]
    if words:
        present = sum(1 for w in words if re.search(rf"\b{re.escape(w[:max(4, len(w) - 2)])}", haystack))
        if present / len(words) < MIN_CONTENT:
            missing.append(f"{len(words) - present} of {len(words)} content words")
    return missing


def _flatten(value: Any, out: list[str], depth: int = 0) -> None:
    if depth > 3 or value is None:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            if key != "messages":           # chat messages are the chunks already
                _flatten(inner, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            _flatten(inner, out, depth + 1)
    else:
        out.append(str(value))


def field_text(doc: dict[str, Any], tz: Any) -> str:
    """A document's stored fields as text, with its dates rendered the way answers render them."""
    from agent.composer import _local, format_when

    meta = doc.get("metadata") or {}
    parts = [str(doc.get(k) or "") for k in ("title", "author", "place", "source_path")]
    _flatten(doc.get("participants"), parts)
    _flatten(meta, parts)
    for stamp in (doc.get("timestamp"), meta.get("start"), meta.get("date_taken")):
        when = _local(stamp, meta, tz) if isinstance(stamp, str) and stamp else None
        if when is not None:
            parts += [format_when(when), format_when(when, with_time=False), when.isoformat()]
    return "\n".join(p for p in parts if p)


@dataclass
class Judged:
    text: str
    citation: int
    doc_id: str | None
    verifier: bool = False
    spot_check: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verifier and self.spot_check

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.citation, "doc_id": self.doc_id, "verifier": self.verifier,
                "spot_check": self.spot_check, "reasons": self.reasons}


def _norm(text: str) -> str:
    return " ".join(text.split())


def answer_sentences(answer: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(claim, citation number) for each cited line of an `ask` answer; nothing for "not found"."""
    if not answer.get("found"):
        return
    lines = answer.get("answer_lines") or []
    if lines:
        for line in lines:
            text, evidence = line.get("text") or "", line.get("evidence") or ""
            if evidence and _norm(evidence) in _norm(text):     # a quoted sentence or a field rendering
                yield evidence.strip(_QUOTES + " "), int(line["citation"])
            else:                                               # a generated sentence
                yield CITATION.sub("", text).strip(), int(line["citation"])
        return
    for line in (answer.get("answer") or "").splitlines():     # intent results rendered with [n]
        numbers = [int(n) for n in CITATION.findall(line)]
        text = CITATION.sub("", line).strip()
        if numbers and text:
            yield text, numbers[0]


def judge_answer(answer: dict[str, Any], store: Any, verifier: Verifier, now: datetime) -> list[Judged]:
    """Judge every cited sentence of one `ask` answer against the document its citation names."""
    by_number = {int(c["n"]): c for c in answer.get("citations") or [] if "n" in c}
    judged = []
    for text, number in answer_sentences(answer):
        citation = by_number.get(number)
        item = Judged(text, number, citation.get("id") if citation else None)
        doc = store.get_document(item.doc_id) if item.doc_id else None
        if doc is None:
            item.reasons.append(f"[{number}] names no indexed document")
            judged.append(item)
            continue
        fields = field_text(doc, now.tzinfo)
        # a mail's quoted lines come from its full body, which the chunks may leave out (quoted replies)
        chunks = store.chunk_texts(doc["id"]) + [doc.get("body") or ""]
        reasons = []
        for chunk in chunks:
            reason = verifier.unsupported_because(text, chunk + "\n" + fields)
            if reason is None:
                item.verifier = True
                break
            reasons.append(reason)
        if not item.verifier:
            item.reasons.append("verifier: " + "; ".join(dict.fromkeys(reasons)))
        missing = spot_check(text, "\n".join(chunks) + "\n" + fields)
        item.spot_check = not missing
        if missing:
            item.reasons.append("spot check: missing " + ", ".join(missing[:4]))
        judged.append(item)
    return judged
