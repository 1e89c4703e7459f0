"""A reader for jrnl-style journals (https://jrnl.sh): plain text, one entry per timestamp line.

    [2026-03-01 09:15] Long walk by the river. Saw the first swallows.
    More lines of the same entry...

    [2026-03-02 21:40] Dinner with Alice at Casa Azul.

Every entry becomes one Document of kind "journal"; an entry whose timestamp cannot be parsed
becomes a ReadFailure (reported by `kith status`), and the other entries are still indexed.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from indexer.document import Document, ReadFailure

ENTRY = re.compile(r"^\[(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2})\]\s?(.*)$")
SUFFIXES = {".jrnl", ".journal"}


class JournalReader:
    name = "journal.jrnl"
    kind = "journal"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \r\n")
        starts = ENTRY.match(text.split("\n", 1)[0]) is not None
        if path.suffix.lower() in SUFFIXES:
            return 1.0 if starts else 0.5
        return 0.8 if starts else 0.0

    def read(self, path: Path) -> Iterator[Document | ReadFailure]:
        entries: list[tuple[int, str, list[str]]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = ENTRY.match(line)
            if match:
                entries.append((number, match.group(1), [match.group(2)]))
            elif entries:
                entries[-1][2].append(line)
        for number, stamp, lines in entries:
            locator = f"line:{number}"
            try:
                when = datetime.fromisoformat(stamp.replace(" ", "T"))
            except ValueError as exc:
                yield ReadFailure(str(path), f"bad timestamp {stamp!r}: {exc}", locator)
                continue
            text = "\n".join(lines).strip()
            title, _, rest = text.partition(". ")  # jrnl: the first sentence is the title
            title, body = (title + "." if rest else title), (rest.strip() or text)
            yield Document(kind="journal", source_path=str(path), locator=locator, title=title, body=body,
                           timestamp=when, author="me", metadata={"format": "jrnl"})
