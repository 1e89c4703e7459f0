"""Verification of generated answers: a sentence stays only if a chunk it cites supports it.

Support = enough of the sentence's content words appear in the cited chunk (`MIN_WORD_OVERLAP`)
AND the sentence is close in meaning to the chunk's best sentence (`MIN_SIMILARITY`), AND every
number, date, code and capitalised name in the sentence appears in that chunk (as a whole token: "9" is
not in "19"). Thresholds come from `bench/verify_thresholds.py` (supported vs wrong-chunk and perturbed
sentence pairs from evals/answers/; the highest recall at precision >= 0.95; docs/MEASUREMENTS.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from indexer.chunking import split_sentences
from indexer.text_match import query_terms

MIN_WORD_OVERLAP = 0.7        # measured: bench/verify_thresholds.py, docs/MEASUREMENTS.md
MIN_SIMILARITY = 0.65
CITATION = re.compile(r"\s*\[(\d{1,2})\]")
NUMBER = re.compile(r"\b\d[\d:.,/-]*\b")
FACT_TOKEN = re.compile(r"\w(?:[\w:.,/-]*\w)?")      # a token with a digit: a number, time, date or code
NAME = re.compile(r"(?<!^)\b[A-Z][a-z]{2,}\b")  # one sentence: a capital after "Mt. " is a name
MONTHS = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
WEEKDAYS = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)


@dataclass
class CheckedSentence:
    text: str                       # the sentence without its citation marks
    cited: list[int]                # 1-based source numbers it cited
    supported_by: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        return bool(self.supported_by)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def word_overlap(sentence: str, chunk: str) -> float:
    """Share of the sentence's content words (numbers aside: `missing_facts` checks those) found in the chunk."""
    words = [_stem(w) for w in query_terms(sentence) if not any(ch.isdigit() for ch in w)]
    if not words:
        return 0.0
    present = {_stem(w) for w in query_terms(chunk)}
    return sum(w in present for w in words) / len(words)


def _has_number(token: str, haystack: str) -> bool:
    """A number or code as a whole token ("9" is not in "19" nor in "10:09"; "9:30" is in "09:30";
    "8" is in "8-12"; "AZ-55120" is in "AZ-55120" but "FA7Q2K" is not in "FA7Q2L")."""
    return any(re.search(rf"(?<!\w)(?<!\d[.,:]){re.escape(form)}(?!\w|[.,:]\d)", haystack)
               for form in (token, "0" + token))


def _has_word(word: str, haystack: str) -> bool:
    """A name or calendar word at a word start, plural or possessive forms included ("Saturdays")."""
    word = word.lower()
    stem = word[:-1] if len(word) > 4 and word.endswith("s") else word
    return re.search(rf"\b{re.escape(stem)}", haystack) is not None


def missing_facts(sentence: str, chunk: str) -> list[str]:
    """Numbers, dates and names in the sentence that the chunk does not contain."""
    haystack = chunk.lower()
    numbers = [t.lower() for t in FACT_TOKEN.findall(sentence) if any(ch.isdigit() for ch in t)]
    words = [m.group(0) for m in MONTHS.finditer(sentence)] + [m.group(0) for m in WEEKDAYS.finditer(sentence)]
    words += NAME.findall(sentence)
    return [n for n in numbers if n and not _has_number(n, haystack)] + \
        [w for w in dict.fromkeys(words) if not _has_word(w, haystack)]


TRAILING_CITATIONS = re.compile(r"([.!?])((?:\s*\[\d+\])+)")


def split_cited(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence without citations, its citation numbers) for each sentence of a generated answer."""
    out: list[tuple[str, list[int]]] = []
    # "… Portugal. [2] Next …": a citation after the full stop closes the sentence before it
    answer = TRAILING_CITATIONS.sub(lambda m: m.group(2) + m.group(1), answer)
    for sentence in split_sentences(answer):
        cited = [int(n) for n in CITATION.findall(sentence)]
        text = CITATION.sub("", sentence).strip()
        if text:
            out.append((text, cited))
        elif cited and out:  # a citation left on its own still closes the sentence before it
            out[-1] = (out[-1][0], out[-1][1] + cited)
    return out


class Verifier:
    """Checks generated sentences against the numbered chunks they cite."""

    def __init__(self, embedder: Any, min_overlap: float = MIN_WORD_OVERLAP, min_similarity: float = MIN_SIMILARITY):
        self.embedder = embedder
        self.min_overlap = min_overlap
        self.min_similarity = min_similarity

    def similarity(self, sentence: str, chunk: str) -> float:
        parts = split_sentences(chunk) or [chunk]
        vectors = np.asarray(self.embedder.encode([sentence] + parts), dtype=np.float32)
        return float((vectors[1:] @ vectors[0]).max())

    def check(self, answer: str, chunks: Sequence[str]) -> list[CheckedSentence]:
        checked = []
        for text, cited in split_cited(answer):
            item = CheckedSentence(text, cited)
            if not cited:
                item.reasons.append("cites no source")
            for n in cited:
                if not 1 <= n <= len(chunks):
                    item.reasons.append(f"[{n}] is not a retrieved source")
                    continue
                reason = self.unsupported_because(text, chunks[n - 1])
                if reason:
                    item.reasons.append(f"[{n}] {reason}")
                else:
                    item.supported_by.append(n)
            checked.append(item)
        return checked

    def unsupported_because(self, sentence: str, chunk: str) -> str | None:
        """Why ``chunk`` does not support ``sentence`` (None: it does). The embedding runs last, only
        when the cheap word and fact checks pass."""
        overlap = word_overlap(sentence, chunk)
        if overlap < self.min_overlap:
            return f"shares {overlap:.0%} of its words"
        missing = missing_facts(sentence, chunk)
        if missing:
            return f"does not contain {', '.join(missing[:3])}"
        similarity = self.similarity(sentence, chunk)
        if similarity < self.min_similarity:
            return f"similarity {similarity:.2f}"
        return None
