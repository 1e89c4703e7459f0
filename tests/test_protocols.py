"""The swappable parts satisfy their protocols, and a plugin's implementation is used through the hooks."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from agent.protocols import Answerer, AnswerRequest, Planner
from indexer.protocols import Embedder
from runtime.generator import GenerationResult, TextGenerator


class EchoGenerator:
    """A test double for the TextGenerator protocol: replies with the last user message, reversed."""

    name = "echo"
    context_length = 128

    def generate(self, messages: Sequence[dict], **options) -> GenerationResult:
        text = messages[-1]["content"][::-1][: options.get("max_tokens", 256)]
        return GenerationResult(text, len(messages), len(text), "stop", self.name)

    def stream(self, messages: Sequence[dict], **options) -> Iterator[str]:
        yield from self.generate(messages, **options).text

    def count_tokens(self, messages: Sequence[dict]) -> int:
        return sum(len(m["content"]) for m in messages)


def test_builtins_satisfy_the_protocols(embedder):
    from agent.plugins import make
    from indexer.embedder_registry import make_embedder

    assert isinstance(make("register_planners", "deterministic", embedder), Planner)
    assert isinstance(make("register_answerers", "extractive", embedder), Answerer)
    assert isinstance(make_embedder("all-MiniLM-L6-v2"), Embedder)
    assert isinstance(EchoGenerator(), TextGenerator)


def test_generators_are_registered_through_the_hook():
    from kith.plugins import factories

    assert "onnxruntime-genai" in factories("register_generators")
    result = EchoGenerator().generate([{"role": "user", "content": "hello"}], max_tokens=3)
    assert result.text == "oll" and "".join(EchoGenerator().stream([{"role": "user", "content": "ab"}])) == "ba"


def test_agent_uses_the_configured_answerer(make_app, embedder):
    """`[agent] answerer = NAME` picks a registered answerer; the extractive one gets its inputs as a request."""
    from agent.runner import Agent
    from kith import plugins

    seen: list[AnswerRequest] = []

    class Recording:
        name = "recording"

        def answer(self, request: AnswerRequest):
            from agent.composer import ComposedAnswer

            seen.append(request)
            return ComposedAnswer(f"{len(request.hits)} hits for {request.query!r}", found=bool(request.hits))

    class RecordingPlugin:
        @plugins.hookimpl
        def register_answerers(self, register):
            register("recording", lambda embedder: Recording())

    plugin = RecordingPlugin()
    plugins.plugin_manager().register(plugin, name="test-recording")
    plugins._state.generation += 1
    try:
        app = make_app(config='[agent]\nanswerer = "recording"\n')
        from pathlib import Path

        app.indexer.index_paths([Path(__file__).resolve().parents[1] / "samples" / "data" / "calendar"])
        result = Agent(app).ask("when is the dentist appointment?")
    finally:
        plugins.plugin_manager().unregister(plugin)
        plugins._state.generation += 1
    assert result.engine["answerer"] == "recording" and seen
    assert seen[0].hits and "hits for" in result.answer
    assert seen[0].question == "when is the dentist appointment?" and seen[0].style == "when"
