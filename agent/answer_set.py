"""The grounded-QA set format read by `kith eval answers FILE` (docs/AGENT.md, "kith eval answers").

FILE is JSONL, one question per line::

    {"id": "s01", "question": "where did we have dinner in Lisbon?", "answer": "Casa do Alentejo",
     "documents": ["../../samples/data/calendar/personal.ics"], "now": "2026-11-23T09:00:00+00:00"}

``answer`` is the expected answer string, a list of acceptable strings, or ``"unknown"`` (the documents do
not answer it: the right answer is "not found"). ``documents`` are real files or folders that kith's
readers index, relative to FILE's folder, or to ``CORPORA/<corpus>`` when the line has ``"corpus"``.
Optional: ``id``, ``now`` (ISO time the question is asked at), ``sentence`` (a gold answer sentence, as a
model would write it) and ``evidence`` (the exact text in a document that supports it); the last two feed
``bench/verify_thresholds.py``. Every problem is one `KithError` naming the line.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import KithError

UNKNOWN = "unknown"


@dataclass
class AnswerItem:
    line: int
    id: str
    question: str
    answers: list[str]                # acceptable answers; empty = "unknown"
    documents: list[Path]
    now: str | None = None
    sentence: str | None = None
    evidence: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unknown(self) -> bool:
        return not self.answers


@dataclass
class AnswerSet:
    path: Path
    items: list[AnswerItem]

    def documents(self) -> list[Path]:
        """Every item's documents, once each, in first-seen order (indexed together into one home)."""
        seen: dict[Path, None] = {}
        for item in self.items:
            for doc in item.documents:
                seen.setdefault(doc, None)
        return list(seen)


def find_corpora(start: Path) -> Path | None:
    """``$KITH_CORPORA``, else the first ``shared/corpora`` beside FILE's folder or one of its parents."""
    env = os.environ.get("KITH_CORPORA")
    if env:
        return Path(env)
    for folder in [start, *start.parents]:
        candidate = folder / "shared" / "corpora"
        if candidate.is_dir():
            return candidate
    return None


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return list(value)
    return None


def parse_item(data: Any, line: int, base: Path, corpora: Path | None, where: str) -> AnswerItem:
    if not isinstance(data, dict):
        raise KithError(f"{where}: expected a JSON object, got {type(data).__name__}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise KithError(f"{where}: 'question' must be a non-empty string")
    answers = _strings(data.get("answer"))
    if answers is None:
        raise KithError(f"{where}: 'answer' must be a string, a list of strings, or \"unknown\"")
    if [a.strip().lower() for a in answers] == [UNKNOWN]:
        answers = []
    documents = data.get("documents")
    if not isinstance(documents, list) or not documents or not all(isinstance(d, str) and d for d in documents):
        raise KithError(f"{where}: 'documents' must be a non-empty list of paths")
    root = base
    corpus = data.get("corpus")
    if corpus is not None:
        if not isinstance(corpus, str) or not corpus or "/" in corpus or corpus.startswith("."):
            raise KithError(f"{where}: 'corpus' must be the name of a folder under the corpora root")
        if corpora is None:
            raise KithError(f"{where}: corpus {corpus!r} needs the corpora folder: pass --corpora DIR or set "
                            "KITH_CORPORA")
        root = corpora / corpus
        if not root.is_dir():
            raise KithError(f"{where}: corpus {corpus!r} not found at {root} (pass --corpora DIR or set KITH_CORPORA)")
    paths = []
    for doc in documents:
        path = Path(os.path.normpath(root / doc))
        if not path.exists():
            raise KithError(f"{where}: document not found: {doc} (looked at {path})")
        paths.append(path)
    now = data.get("now")
    if now is not None and not isinstance(now, str):
        raise KithError(f"{where}: 'now' must be an ISO timestamp string")
    known = {"id", "question", "answer", "documents", "corpus", "now", "sentence", "evidence"}
    return AnswerItem(line, str(data.get("id") or f"line{line}"), question.strip(), answers, paths, now,
                      data.get("sentence") if isinstance(data.get("sentence"), str) else None,
                      data.get("evidence") if isinstance(data.get("evidence"), str) else None,
                      {k: v for k, v in data.items() if k not in known})


def load_answer_set(file: str | os.PathLike[str], corpora: str | os.PathLike[str] | None = None) -> AnswerSet:
    """Read and check FILE; raise one `KithError` naming the first bad line."""
    path = Path(file)
    if not path.is_file():
        raise KithError(f"no such file: {file}")
    base = path.resolve().parent
    root = Path(corpora) if corpora else find_corpora(base)
    items: list[AnswerItem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise KithError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, text in enumerate(lines, 1):
        if not text.strip() or text.lstrip().startswith("//"):
            continue
        where = f"{file} line {number}"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KithError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        items.append(parse_item(data, number, base, root, where))
    if not items:
        raise KithError(f"{file} has no questions (one JSON object per line)")
    ids = [item.id for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KithError(f"{file}: duplicate id {duplicates[0]!r}")
    return AnswerSet(path, items)
