"""Sentence splitting, in one place. ``split_sentences`` cuts text for the chunker (paragraphs, lines,
sentence ends). ``own_sentences`` gives the author's own sentences of a message for the composer,
summaries and the ``summarize_thread`` intent (``first_sentences``): quoted lines and everything
after a signature or a reply attribution dropped. The fuller quote stripper used for embedding mail
is ``indexer.sources.mail_quotes.strip_quotes_and_signature``."""
from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])|\n")
_PARAGRAPH = re.compile(r"\n\s*\n")
_OWN_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")
_ATTRIBUTION = re.compile(r"^On .{5,80} wrote:$")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at paragraph breaks, line ends and sentence ends, whitespace collapsed."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = " ".join(sentence.split())
            if sentence:
                sentences.append(sentence)
    return sentences


def own_lines(text: str) -> list[str]:
    """The author's own lines: ``>`` quoted lines dropped, nothing from a ``--`` signature line or an
    "On ... wrote:" attribution on."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or line.lstrip().startswith(">"):
            continue
        if stripped == "--" or _ATTRIBUTION.match(stripped):
            break
        kept.append(stripped)
    return kept


def own_sentences(text: str) -> list[str]:
    """The author's own sentences, line by line; fragments of two characters or less skipped."""
    return [s.strip() for line in own_lines(text) for s in _OWN_SENTENCE_END.split(line) if len(s.strip()) > 2]


def first_sentences(text: str, count: int = 2, limit: int = 400) -> str:
    """The first ``count`` own sentences of ``text`` as one line, at most ``limit`` characters."""
    return " ".join(own_sentences(text)[:count])[:limit]
