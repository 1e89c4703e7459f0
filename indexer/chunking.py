"""Split text into overlapping chunks on paragraph and sentence boundaries, sized in word-pieces."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from indexer.embeddings import model_dir
from indexer.sentences import split_sentences  # noqa: F401  (re-exported)

MAX_TOKENS = 224
OVERLAP_TOKENS = 32


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    path = model_dir() / "tokenizer.json"
    if not path.exists():
        return None
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Word-pieces in ``text`` as the embedding model counts them (approximate if no tokenizer)."""
    tokenizer = _tokenizer()
    if tokenizer is None:
        return int(len(text.split()) * 1.3) + 1
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def _split_long(sentence: str, max_tokens: int, counter: Callable[[str], int]) -> list[str]:
    """A sentence longer than the chunk budget is cut on word boundaries."""
    words, parts, current = sentence.split(), [], []
    for word in words:
        current.append(word)
        if len(current) % 16 == 0 and counter(" ".join(current)) > max_tokens:
            parts.append(" ".join(current[:-16]) or " ".join(current))
            current = current[-16:] if len(current) > 16 else []
    if current:
        parts.append(" ".join(current))
    return [p for p in parts if p]


def chunk_text(
    text: str,
    max_tokens: int = MAX_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    counter: Callable[[str], int] = count_tokens,
) -> list[str]:
    """Greedy packing of sentences into chunks of at most ``max_tokens``, carrying a small overlap."""
    text = text.strip()
    if not text:
        return []
    if counter(text) <= max_tokens:
        return [" ".join(text.split())]
    pieces: list[tuple[str, int]] = []
    for sentence in split_sentences(text):
        size = counter(sentence)
        if size > max_tokens:
            pieces.extend((part, counter(part)) for part in _split_long(sentence, max_tokens, counter))
        else:
            pieces.append((sentence, size))
    chunks: list[str] = []
    current: list[tuple[str, int]] = []
    used = 0
    for piece, size in pieces:
        if current and used + size > max_tokens:
            chunks.append(" ".join(p for p, _ in current))
            carry: list[tuple[str, int]] = []
            carried = 0
            for prev in reversed(current):
                if carried + prev[1] > overlap_tokens:
                    break
                carry.insert(0, prev)
                carried += prev[1]
            current, used = carry, carried
        current.append((piece, size))
        used += size
    if current:
        chunks.append(" ".join(p for p, _ in current))
    return chunks
