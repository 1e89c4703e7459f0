"""The OpenAI-compatible routes: /v1/models, /v1/embeddings (kith's embedder) and
/v1/chat/completions (plain, tools, JSON Schema, and ``stream: true`` as server-sent events)."""
from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from serve import chat
from serve.errors import ApiError
from serve.kith_api import _json_body, state_of
from serve.state import ServeState

router = APIRouter()


@router.get("/v1/models")
async def models_route(request: Request) -> Any:
    state = state_of(request)
    ids = await run_in_threadpool(state.generation.installed_models)
    created = int(state.started)
    return {"object": "list", "data": [{"id": i, "object": "model", "created": created, "owned_by": "kith"}
                                       for i in ids]}


def embed(state: ServeState, body: dict[str, Any]) -> dict[str, Any]:
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "'input' must be a string or a non-empty list of strings (token ids are not supported)")
    if len(texts) > 2048:
        raise ApiError(400, "at most 2048 inputs per request")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise ApiError(400, "encoding_format must be 'float' or 'base64'")
    with state.lock:
        embedder = state.app.embedder
        vectors = embedder.encode(texts)
        name = embedder.name
    tokens = sum(len(t.split()) for t in texts)
    return {"object": "list", "model": name,
            "data": [{"object": "embedding", "index": n, "embedding": _encode(row, encoding)}
                     for n, row in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _encode(row: Any, encoding: str) -> Any:
    """OpenAI's encodings: a list of floats, or base64 of little-endian float32 (the client's default)."""
    if encoding == "base64":
        import numpy as np

        return base64.b64encode(np.asarray(row, dtype="<f4").tobytes()).decode("ascii")
    return [float(x) for x in row]


@router.post("/v1/embeddings")
async def embeddings_route(request: Request) -> Any:
    return await run_in_threadpool(embed, state_of(request), await _json_body(request))


@router.post("/v1/chat/completions")
async def chat_route(request: Request) -> Any:
    state = state_of(request)
    body = await _json_body(request)
    parsed = chat.parse_request(body)
    model = parsed.model
    await run_in_threadpool(state.generation.generator, model)  # load now: unknown model -> 404 before streaming
    parsed = await run_in_threadpool(_held_to_relevance, state, parsed)
    messages, schema = chat.prepared(parsed)
    constraint = _constraint(schema)
    if parsed.stream:
        return StreamingResponse(_events(state, model, parsed, messages, constraint),
                                 media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
    result = await run_in_threadpool(
        lambda: state.generation.generate(model, messages, constraint=constraint, **parsed.options))
    return JSONResponse(chat.completion(model, parsed, result))


def _held_to_relevance(state: ServeState, parsed: chat.ChatRequest) -> chat.ChatRequest:
    """tool_choice "auto": measure how related the request is to the tools ([serve] tool_relevance_floor)."""
    floor = state.tool_relevance_floor
    if parsed.tool_mode != "auto" or not parsed.tools or floor is None:
        return parsed
    from runtime.tool_relevance import request_text, tool_relevance

    with state.lock:
        relevance = tool_relevance(state.app.embedder.encode, request_text(parsed.messages), parsed.tools)
    return replace(parsed, relevance=relevance, relevance_floor=floor)


def _constraint(schema: dict[str, Any] | None) -> Any:
    if schema is None:
        return None
    from runtime.generator import Constraint

    # compact JSON: a small model left free to add whitespace can spend its whole budget on it
    return Constraint.json_schema({"x-guidance": {"whitespace_flexible": False}, **schema})


async def _events(state: ServeState, model: str, parsed: chat.ChatRequest, messages: list[dict[str, str]],
                  constraint: Any) -> AsyncIterator[str]:
    cid = chat.completion_id()
    yield chat.chunk(cid, model, {"role": "assistant", "content": ""})
    pieces: list[str] = []
    result = None
    try:
        async for item in state.generation.stream(model, messages, constraint=constraint, **parsed.options):
            if hasattr(item, "finish_reason"):
                result = item
            elif parsed.tools:
                pieces.append(item.text)  # a tool call is sent whole once it is complete
            elif item.text:
                yield chat.chunk(cid, model, {"content": item.text})
    except ApiError as exc:
        yield "data: " + json.dumps(exc.to_json()) + "\n\n"
        return
    if result is None:
        return
    reason = chat.finish(result)
    if parsed.tools:
        message, reason = chat.tool_message(result.text or "".join(pieces), parsed.tools)
        if "tool_calls" in message:
            calls = [dict(call, index=n) for n, call in enumerate(message["tool_calls"])]
            yield chat.chunk(cid, model, {"tool_calls": calls})
        else:
            yield chat.chunk(cid, model, {"content": message["content"]})
    yield chat.chunk(cid, model, {}, reason)
    if parsed.include_usage:
        yield chat.chunk(cid, model, {}, None, chat.usage(result), choices=False)
    yield "data: [DONE]\n\n"
