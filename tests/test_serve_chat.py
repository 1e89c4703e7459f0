"""/v1/chat/completions with the official openai client against a real uvicorn server on 127.0.0.1
and a real onnxruntime-genai model (a tiny random llama imported through kith's pipeline): plain chat,
streaming, tools, JSON Schema, adapter selection (and its errors), 401, 400 on a wrong Host, and a client that
hangs up mid-stream without leaving the generation running."""
from __future__ import annotations

import json
import time

import httpx
import jsonschema
import pytest

from tests.serve_helpers import running_server

MODEL = "tinyctx"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from runtime.importer import import_model
    from serve.app import build_state
    from tests.llm_fixtures import tiny_hf_model

    root = tmp_path_factory.mktemp("serve-chat")
    source = tiny_hf_model(root / "source", context=2048)  # room for tool schemas in the prompt
    home = root / "home"
    home.mkdir()
    import_model(home, str(source), name=MODEL, progress=False)
    state = build_state(str(home))
    with running_server(state) as url:
        yield url, state
    state.close()


@pytest.fixture
def api(served):
    from openai import OpenAI

    url, state = served
    return OpenAI(base_url=url + "/v1", api_key=state.token, max_retries=0, timeout=120)


HELLO = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello to Alice."}]


def test_models_lists_the_installed_model(api):
    assert MODEL in [m.id for m in api.models.list().data]


def test_plain_chat(api):
    reply = api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=12)
    choice = reply.choices[0]
    assert isinstance(choice.message.content, str) and choice.message.role == "assistant"
    assert choice.finish_reason in ("stop", "length")
    assert 0 < reply.usage.completion_tokens <= 12 and reply.usage.prompt_tokens > 5
    again = api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=12)
    assert again.choices[0].message.content == choice.message.content  # greedy is deterministic


def test_streaming_matches_the_plain_reply(api):
    plain = api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=16).choices[0].message.content
    stream = api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=16, stream=True,
                                         stream_options={"include_usage": True})
    pieces, reasons, usage = [], [], None
    for event in stream:
        if event.usage:
            usage = event.usage
        for choice in event.choices:
            pieces.append(choice.delta.content or "")
            reasons.append(choice.finish_reason)
    assert "".join(pieces) == plain
    assert reasons[-1] in ("stop", "length") and len(pieces) > 2
    assert usage is not None and usage.completion_tokens > 0


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
                                                    "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                   "required": ["city", "days"], "additionalProperties": False}}}
REMIND = {"type": "function", "function": {
    "name": "add_reminder", "description": "Add a reminder",
    "parameters": {"type": "object", "properties": {"title": {"type": "string", "maxLength": 16}},
                   "required": ["title"], "additionalProperties": False}}}


def test_named_tool_call_arguments_match_the_schema(api):
    reply = api.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather in Lisbon for 3 days?"}], tools=[WEATHER, REMIND],
        tool_choice={"type": "function", "function": {"name": "get_weather"}}, max_tokens=80)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    jsonschema.validate(json.loads(call.function.arguments), WEATHER["function"]["parameters"])


def test_required_tool_call_streams_whole(api):
    stream = api.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Remind me to buy milk"}], tools=[WEATHER, REMIND],
        tool_choice="required", max_tokens=80, stream=True)
    calls = [c for event in stream for choice in event.choices for c in (choice.delta.tool_calls or [])]
    assert len(calls) == 1
    tool = {"get_weather": WEATHER, "add_reminder": REMIND}[calls[0].function.name]
    jsonschema.validate(json.loads(calls[0].function.arguments), tool["function"]["parameters"])


def test_auto_tool_choice_makes_no_call_when_no_tool_is_related(api):
    """The relevance floor (runtime.tool_relevance): a request unrelated to every tool gets the plain reply
    (the grammar has no call branch), a related one keeps the call branch; the response says which."""
    from runtime.tool_relevance import RELEVANCE_FLOOR

    unrelated = api.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Who wrote the novel War and Peace?"}],
        tools=[WEATHER, REMIND], max_tokens=40)
    note = unrelated.model_extra["kith"]
    assert note["relevance_floor"] == RELEVANCE_FLOOR and note["tool_relevance"] < RELEVANCE_FLOOR
    assert note["calls_allowed"] is False
    choice = unrelated.choices[0]
    assert not choice.message.tool_calls and isinstance(choice.message.content, str)
    related = api.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "What is the weather in Lisbon for the next 3 days?"}],
        tools=[WEATHER, REMIND], max_tokens=40)
    assert related.model_extra["kith"]["calls_allowed"] is True
    assert related.model_extra["kith"]["tool_relevance"] >= RELEVANCE_FLOOR
    named = api.chat.completions.create(  # a named or required tool choice is the caller's decision: no floor
        model=MODEL, messages=[{"role": "user", "content": "Who wrote War and Peace?"}], tools=[WEATHER, REMIND],
        tool_choice={"type": "function", "function": {"name": "get_weather"}}, max_tokens=80)
    assert "kith" not in (named.model_extra or {}) and named.choices[0].message.tool_calls


def test_response_format_json_schema_is_enforced(api):
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10},
                                               "age": {"type": "integer", "minimum": 0, "maximum": 120},
                                               "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3}},
              "required": ["name", "age", "tags"], "additionalProperties": False}
    reply = api.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Describe Alice as JSON"}], max_tokens=80,
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema}})
    jsonschema.validate(json.loads(reply.choices[0].message.content), schema)


def test_adapter_and_model_selection_errors(api):
    import openai

    with pytest.raises((openai.NotFoundError, openai.BadRequestError)) as unknown_adapter:
        api.chat.completions.create(model=f"{MODEL}:summarize", messages=HELLO, max_tokens=4)
    assert "summarize" in str(unknown_adapter.value)
    with pytest.raises(openai.NotFoundError) as unknown_model:
        api.chat.completions.create(model="nosuchmodel", messages=HELLO, max_tokens=4)
    assert "nosuchmodel" in str(unknown_model.value)
    with pytest.raises(openai.BadRequestError):
        api.chat.completions.create(model=MODEL, messages=[], max_tokens=4)
    with pytest.raises(openai.BadRequestError):
        api.chat.completions.create(model=MODEL, messages=HELLO, tools=[{"type": "function", "function": {
            "name": "bad", "parameters": {"type": "nonsense"}}}])


def test_adapter_selection_through_the_openai_client(served, api, tmp_path):
    """`model: BASE:ADAPTER` (vLLM's multi-LoRA convention) runs the adapter; the base model stays itself;
    an adapter imported while the server runs is listed and usable without a restart."""
    from click.testing import CliRunner

    from kith.cli.main import cli
    from tests.adapter_fixtures import ALL_TARGETS, make_peft

    url, state = served
    peft = make_peft(state.home_path / "models" / MODEL / "hf", tmp_path / "peft", seed=7, rank=4, targets=ALL_TARGETS)
    imported = CliRunner().invoke(cli, ["adapters", "import", str(peft), "--name", "style", "--model", MODEL,
                                        "--home", str(state.home_path)])
    assert imported.exit_code == 0, imported.output
    assert f"{MODEL}:style" in [m.id for m in api.models.list().data]
    plain = api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=10).choices[0].message.content
    styled = api.chat.completions.create(model=f"{MODEL}:style", messages=HELLO, max_tokens=10)
    assert styled.model == f"{MODEL}:style" and styled.choices[0].message.content != plain
    # the same adapter in process gives the same greedy text
    from runtime.adapters import adapter_provider_for
    from runtime.generator import load_generator

    generator = load_generator(state.home_path, MODEL, adapter_provider=adapter_provider_for(state.home_path, MODEL))
    local = generator.generate(HELLO, adapter="style", max_tokens=10)
    assert getattr(local, "text", local) == styled.choices[0].message.content
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in api.chat.completions.create(
        model=f"{MODEL}:style", messages=HELLO, max_tokens=10, stream=True) if chunk.choices)
    assert streamed == styled.choices[0].message.content
    # and the base model after the adapter is unchanged (the adapter is per request, not sticky)
    assert api.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=10).choices[0].message.content == plain


def test_openai_client_without_token_or_with_a_foreign_host(served):
    import openai
    from openai import OpenAI

    url, state = served
    with pytest.raises(openai.AuthenticationError):
        OpenAI(base_url=url + "/v1", api_key="not-the-token", max_retries=0).models.list()
    rebinding = OpenAI(base_url=url + "/v1", api_key=state.token, max_retries=0,
                       default_headers={"host": "attacker.example"})
    with pytest.raises(openai.BadRequestError) as bad_host:
        rebinding.models.list()
    assert "loopback" in str(bad_host.value)


def test_client_disconnect_mid_stream_cancels_the_generation(served):
    url, state = served
    pool = state.generation
    cancelled_before = pool.cancelled
    # a schema that cannot finish early: the model must keep writing until max_tokens
    long_text = {"type": "object", "properties": {"text": {"type": "string", "minLength": 1500}},
                 "required": ["text"]}
    body = {"model": MODEL, "messages": HELLO, "stream": True, "max_tokens": 1500,
            "response_format": {"type": "json_schema", "json_schema": {"name": "t", "schema": long_text}}}
    headers = {"authorization": f"Bearer {state.token}"}
    with httpx.Client(base_url=url, timeout=60) as http:
        with http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response:
            lines = response.iter_lines()
            received = [next(lines) for _ in range(6)]
            assert any(line.startswith("data: ") for line in received)
            assert pool.active == 1
        # the response is closed here: the client hung up after a few chunks
    deadline = time.monotonic() + 20
    while pool.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.active == 0
    assert pool.cancelled == cancelled_before + 1
    with httpx.Client(base_url=url, timeout=60, headers=headers) as http:
        status = http.get("/v1/status").json()
    assert status["generations_active"] == 0 and status["generations_cancelled"] >= 1
    assert pool.last_stream_tokens < 1000, "the generation ran on after the client left"
