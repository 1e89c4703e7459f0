"""Enron mail chunks exactly as kith indexes them (reader -> text_for_embedding -> kith's chunker),
shared by the embedding benchmarks and the quantizer's sensitivity measurement."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ENRON = REPO.parent / "shared" / "corpora" / "mail-enron-maildir-subset"


def enron_chunks(limit: int, skip: int = 0, corpus: Path = ENRON) -> list[str]:
    """``limit`` chunk texts after the first ``skip``, from the corpus's files in sorted order."""
    from indexer.chunking import chunk_text
    import indexer.pipeline  # noqa: F401  (registers the readers)
    from indexer.document import ReadFailure
    from indexer.sources.base import detect

    if not corpus.exists():
        sys.exit(f"{corpus} is missing (../shared/corpora/mail-enron-maildir-subset)")
    chunks: list[str] = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        reader = detect(path, "mail")
        if reader is None:
            continue
        try:
            documents = [d for d in reader.read(path) if not isinstance(d, ReadFailure)]
        except Exception:  # noqa: BLE001 - a file the reader rejects is simply not part of the sample
            continue
        for doc in documents:
            for chunk in chunk_text(doc.text_for_embedding) or [doc.title or doc.kind]:
                chunks.append(chunk)
                if len(chunks) >= skip + limit:
                    return chunks[skip:]
    return chunks[skip:]
