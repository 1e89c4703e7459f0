"""Grounded, extractive answers: pick the sentences or fields of the top hits that answer the question.

Nothing is generated. Every answer line is either a sentence copied from a retrieved document or
a rendering of that document's own fields (an event's start and location, a photo's date, place,
people and path), and carries the citation number of that document. When retrieval is weak the
answer says so and lists the closest hits instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import numpy as np

from agent.mmr import mmr_select
from agent.render import card_from_metadata, describe_contact, focus_of
from agent.safety import UntrustedText, addresses_an_assistant
from indexer.sentences import own_sentences
from indexer.localtime import document_offset, is_floating, local_time, offset_text
from indexer.text_match import query_terms

MIN_SIMILARITY = 0.32       # best sentence cosine below this (and little word overlap) = not found
MIN_OVERLAP = 0.5
DATE_LIKE = re.compile(
    r"\b(\d{1,2}(:\d{2})?\s*(am|pm)|\d{1,2}:\d{2}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|tomorrow|tonight|yesterday|next week|\d{4}-\d{2}-\d{2}|\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec)\w*|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2})\b", re.I)
PLACE_LIKE = re.compile(r"\b(at|in|near|address|street|st\.?|road|rd\.?|avenue|square|clinic|restaurant|hotel)\b"
                        r"(\s+[A-Z0-9][\w'-]*)?", re.I)
NAME_LIKE = re.compile(r"\b[A-Z][a-z]+(\s+[A-Z][a-z]+)?\b")


@dataclass
class Unit:
    """One answerable piece of a hit: a sentence, a chat message, or a field rendering."""

    text: str
    hit_index: int
    locator: str | None = None
    prefix: str = ""            # who/when context rendered from fields ("Alice Martin, 2 Jul 2026")
    from_fields: bool = False


@dataclass
class AnswerLine:
    text: str                   # the full line shown (prefix + quoted unit + [n])
    evidence: str               # the exact retrieved text or field rendering it rests on
    citation: int
    from_fields: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "evidence": self.evidence, "citation": self.citation,
                "from_fields": self.from_fields, "trust": "untrusted"}


@dataclass
class ComposedAnswer:
    text: str
    lines: list[AnswerLine] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    found: bool = True
    confidence: float = 0.0


def _local(ts: str | None, metadata: dict[str, Any], fallback_tz) -> datetime | None:
    """A stored time at its source's offset, else in ``fallback_tz`` (the same rule as `kith search`)."""
    offset = document_offset(metadata, None)
    return local_time(ts, offset, fallback_tz, floating=is_floating(metadata) and offset is None)


def format_when(value: datetime | None, with_time: bool = True) -> str:
    """'Saturday 11 July 2026 at 20:00 (UTC+01:00)': a clock time always says its offset."""
    if value is None:
        return "an unknown date"
    day = f"{value:%A} {value.day} {value:%B %Y}"
    if not (with_time and (value.hour or value.minute)):
        return day
    offset = offset_text(value)
    return f"{day} at {value:%H:%M}" + (f" (UTC{offset})" if offset else "")


class Composer:
    def __init__(self, embedder: Any, now: datetime, bodies: dict[str, str] | None = None,
                 name_of: Callable[[str], str] | None = None,
                 relations_of: Callable[[str], list[dict[str, Any]]] | None = None) -> None:
        self.embedder = embedder
        self.now = now
        self.bodies: dict[str, str] = bodies or {}   # full document bodies by id (hits carry only a snippet)
        self.name_of: Callable[[str], str] = name_of or (lambda raw: raw)  # raw handle → the person's name
        # contact card id → how that person relates to the owner (people layer)
        self.relations_of: Callable[[str], list[dict[str, Any]]] = relations_of or (lambda doc_id: [])
        self.question = ""
        self.withheld: set[str] = set()  # documents (or messages) not quoted: they read as instructions to an AI

    # ------------------------------------------------------------- units
    def units(self, hits: list[Any]) -> list[Unit]:
        units: list[Unit] = []
        for index, hit in enumerate(hits):
            meta = hit.metadata or {}
            if hit.kind == "event":
                units.append(Unit(self.event_line(hit), index, hit.locator, from_fields=True))
                for sentence in own_sentences(hit.snippet or "")[:6]:
                    units.append(Unit(sentence, index, hit.locator))
            elif hit.kind == "photo":
                units.append(Unit(self.photo_line(hit), index, hit.locator, from_fields=True))
            elif hit.kind == "contact":
                card = card_from_metadata(meta, hit.title)
                line = describe_contact(card, self.relations_of(hit.id), focus_of(self.question))
                units.append(Unit(line, index, hit.locator, from_fields=True))
            elif hit.kind == "message" and meta.get("messages"):
                for message in meta["messages"]:
                    text = " ".join(str(message.get("text") or "").split())
                    if not text:
                        continue
                    if addresses_an_assistant(text):
                        self.withheld.add(str(message.get("locator") or hit.id))
                        continue
                    when = _local(message.get("timestamp"), meta, self.now.tzinfo)
                    who = self.name_of(message.get("author") or ("me" if message.get("is_from_me") else "someone"))
                    prefix = f"{who}, {format_when(when, with_time=False)}"
                    units.append(Unit(text, index, message.get("locator") or hit.locator, prefix))
            else:
                when = _local(hit.timestamp, meta, self.now.tzinfo)
                prefix = ", ".join(p for p in (hit.author, format_when(when, False) if when else None) if p)
                body = self._full_text(hit)
                if addresses_an_assistant(f"{hit.title or ''}\n{body}"):
                    self.withheld.add(hit.id)
                    continue
                for sentence in own_sentences(body)[:60]:
                    units.append(Unit(sentence, index, hit.locator, prefix))
        return units

    def _hit_text(self, hit: Any) -> str:
        meta = hit.metadata or {}
        extra = [str(meta.get(k) or "") for k in ("location", "place", "description", "caption")]
        return " ".join([hit.title or "", self._full_text(hit), *extra])

    def _full_text(self, hit: Any) -> str:
        return self.bodies.get(hit.id) or hit.snippet or ""

    def event_line(self, hit: Any) -> str:
        meta = hit.metadata or {}
        start = _local(meta.get("start") or hit.timestamp, meta, self.now.tzinfo)
        line = f"{hit.title}: {format_when(start)}"
        location = meta.get("location") or meta.get("place")
        if location:
            line += f", {location}"
        return line

    def photo_line(self, hit: Any) -> str:
        meta = hit.metadata or {}
        when = _local(meta.get("date_taken") or hit.timestamp, meta, self.now.tzinfo)
        # No capture date: say that the date is only the file's (a copy made today is not "today's photo").
        parts = [f"file dated {format_when(when)}" if meta.get("date_source") == "file:mtime" else format_when(when)]
        if meta.get("place"):
            parts.append(str(meta["place"]))
        if meta.get("people"):
            parts.append("with " + ", ".join(meta["people"]))
        parts.append(hit.path)
        return " · ".join(parts)

    # ----------------------------------------------------------- compose
    def compose(self, question: str, query: str, style: str, hits: list[Any], filtered_browse: bool,
                relaxed: bool = False) -> ComposedAnswer:
        if not hits:
            return ComposedAnswer("I could not find anything in your data that answers this.", found=False)
        self.question = question
        units = self.units(hits)
        if not units:
            return self._not_found(hits)
        scores = self._score(question, query, style, units, hits)
        best = float(scores.max())
        terms = query_terms(query)
        overlap = max((_overlap(terms, u.text + " " + (hits[u.hit_index].title or "")) for u in units), default=0.0)
        confident = (filtered_browse and not relaxed) or (not relaxed and (best >= MIN_SIMILARITY or overlap >= MIN_OVERLAP))
        if not confident:
            return self._not_found(hits, best)
        if style in ("photos", "list") or (filtered_browse and style not in ("when", "where", "who", "how_many")):
            chosen = self._one_per_hit(units, scores, limit=5, prefer_fields=True)
        elif style == "how_many":
            chosen = self._one_per_hit(units, scores, limit=3)
        else:
            chosen = self._mmr(units, scores, limit=1 if style in ("when", "where", "who", "yes_no") else 3)
        answer = ComposedAnswer("", confidence=best)
        numbers: dict[int, int] = {}
        for unit in chosen:
            number = numbers.setdefault(unit.hit_index, len(numbers) + 1)
            if len(answer.citations) < len(numbers):
                answer.citations.append(self.citation(number, hits[unit.hit_index], unit))
            shown = unit.text if unit.from_fields else f"“{unit.text}”"
            text = f"{unit.prefix}: {shown} [{number}]" if unit.prefix else f"{shown} [{number}]"
            answer.lines.append(AnswerLine(text, unit.text, number, unit.from_fields))
        head = ""
        if style == "how_many":
            kind = hits[0].kind
            head = f"{len(hits)} matching {kind}{'s' if len(hits) != 1 else ''} found" + \
                   (" (showing the first 50)" if len(hits) >= 50 else "") + ". "
        answer.text = head + "\n".join(line.text for line in answer.lines)
        return answer

    def citation(self, number: int, hit: Any, unit: Unit | None = None) -> dict[str, Any]:
        snippet = unit.text if unit is not None else hit.snippet
        return {"n": number, "id": hit.id, "kind": hit.kind, "title": hit.title, "path": hit.path,
                "locator": (unit.locator if unit is not None and unit.locator else hit.locator),
                "snippet": snippet, "timestamp": hit.timestamp, "trust": "untrusted",
                "text": UntrustedText(snippet or "", hit.id, hit.locator).to_json()}

    def _not_found(self, hits: list[Any], best: float = 0.0) -> ComposedAnswer:
        answer = ComposedAnswer("", found=False, confidence=best)
        lines = ["I could not find the answer in your data. The closest matches were:"]
        for number, hit in enumerate(hits[:3], 1):
            answer.citations.append(self.citation(number, hit))
            snippet = " ".join((hit.snippet or "").split())[:160]
            if addresses_an_assistant(f"{hit.title or ''}\n{self._full_text(hit)}\n{hit.snippet or ''}"):
                self.withheld.add(hit.id)
                lines.append(f"  [{number}] {hit.title or hit.kind} (not quoted: it reads as instructions to an AI "
                             "assistant)")
                continue
            lines.append(f"  [{number}] {hit.title or hit.kind}: “{snippet}”")
        answer.text = "\n".join(lines)
        return answer

    # ----------------------------------------------------------- scoring
    def _score(self, question: str, query: str, style: str, units: list[Unit], hits: list[Any]) -> np.ndarray:
        vectors = self.embedder.encode([u.text for u in units])
        q = self.embedder.encode([question])[0]
        scores = vectors @ q
        terms = query_terms(query)
        rank_bonus = np.array([0.05 * (1 - min(u.hit_index, 10) / 10) for u in units])
        lexical = np.array([_overlap(terms, u.text) for u in units]) * 0.3
        pattern = {"when": DATE_LIKE, "where": PLACE_LIKE, "who": NAME_LIKE}.get(style)
        style_bonus = np.array([0.15 if pattern is not None and pattern.search(u.text) else 0.0 for u in units])
        # where-questions: prefer documents whose own text has the question's content words ("dinner"),
        # so a place-tagged photo of breakfast does not answer "where did we have dinner"
        content = np.array([0.4 * _overlap(terms, self._hit_text(hits[u.hit_index])) if style == "where" else 0.0
                            for u in units])
        field_bonus = np.array([0.2 if u.from_fields and style in ("when", "where", "photos") else
                                1.0 if u.from_fields and style == "who" and hits[u.hit_index].kind == "contact" else 0.0
                                for u in units])
        return scores + rank_bonus + lexical + style_bonus + field_bonus + content

    @staticmethod
    def _one_per_hit(units: list[Unit], scores: np.ndarray, limit: int, prefer_fields: bool = False) -> list[Unit]:
        chosen: dict[int, tuple[float, Unit]] = {}
        for unit, score in zip(units, scores):
            key = (1 if unit.from_fields and prefer_fields else 0, float(score))
            if unit.hit_index not in chosen or key > chosen[unit.hit_index][0]:
                chosen[unit.hit_index] = (key, unit)
        return [u for _, (_, u) in sorted(chosen.items())][:limit]

    def _mmr(self, units: list[Unit], scores: np.ndarray, limit: int, lam: float = 0.7) -> list[Unit]:
        order = list(np.argsort(-scores))
        if limit == 1:
            return [units[order[0]]]
        vectors = self.embedder.encode([u.text for u in units])
        picked = mmr_select(vectors, scores, limit, lam, min_score=float(scores.max()) - 0.15)
        return [units[i] for i in picked]


def _overlap(terms: list[str], text: str) -> float:
    if not terms:
        return 0.0
    lowered = text.lower()
    return sum(1 for t in terms if t[:max(3, len(t) - 2)] in lowered) / len(terms)
