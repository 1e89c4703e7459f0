"""The built-in ``Answerer``: extractive, cited answers composed by ``agent.composer.Composer``."""
from __future__ import annotations

from typing import Any

from agent.composer import ComposedAnswer, Composer
from agent.protocols import AnswerRequest


class ExtractiveAnswerer:
    """Copies sentences and fields of the retrieved documents; nothing is generated."""

    name = "extractive-composer"

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.notes: list[str] = []

    def answer(self, request: AnswerRequest) -> ComposedAnswer:
        composer = Composer(self.embedder, request.now, bodies=request.bodies, name_of=request.name_of,
                            relations_of=request.relations_of)
        answer = composer.compose(request.question, request.query, request.style, request.hits,
                                  filtered_browse=request.filtered_browse, relaxed=request.relaxed)
        self.notes = [f"did not quote {len(composer.withheld)} retrieved item(s) that read as instructions to an AI "
                      "assistant"] if composer.withheld else []
        return answer
