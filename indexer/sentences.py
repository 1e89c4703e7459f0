"""Sentence splitting, in one place: the chunker, the composer, summaries and the thread intent all
cut text into sentences here. Quoted replies and signatures are removed by
``indexer.sources.mail_quotes.strip_quotes_and_signature`` (the one quote stripper)."""
from __future__ import annotations

import re

from indexer.sources.mail_quotes import strip_quotes_and_signature

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])|\n")
_PARAGRAPH = re.compile(r"\n\s*\n")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at paragraph breaks, line ends and sentence ends, whitespace collapsed."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = " ".join(sentence.split())
            if sentence:
                sentences.append(sentence)
    return sentences


def own_sentences(text: str) -> list[str]:
    """The author's own sentences: quoted replies, attributions and signature dropped, fragments
    of two characters or less skipped."""
    return [s for s in split_sentences(strip_quotes_and_signature(text)) if len(s) > 2]


def first_sentences(text: str, count: int = 2, limit: int = 400) -> str:
    """The first ``count`` own sentences of ``text`` as one line, at most ``limit`` characters."""
    return " ".join(own_sentences(text)[:count])[:limit]
