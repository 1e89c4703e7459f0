"""OpenAI chat completions on kith's generator: request checking, tools and ``response_format``
turned into constrained decoding, and the response / server-sent-event chunk shapes.

Tools: the tools' JSON Schemas become one JSON Schema for the reply, ``{"name": <const>,
"arguments": <that tool's parameters>}`` (``anyOf`` over the allowed tools, plus
``{"content": string}`` when ``tool_choice`` is ``auto``), so a tool call's arguments always match
its schema (the schema and the prompt are built by ``runtime.tool_calls``, which `kith eval tools`
shares). ``response_format: {"type": "json_schema", ...}`` constrains the reply to that schema.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from runtime.tool_calls import read_tool_reply, tool_call_schema, tool_prompt
from serve.errors import ApiError

ROLES = {"system", "user", "assistant", "tool"}
MAX_TOKENS_LIMIT = 4096


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, str]]
    options: dict[str, Any]
    stream: bool = False
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_mode: str = "none"   # none | auto | required | named
    schema: dict[str, Any] | None = None
    include_usage: bool = False
    # tool_choice "auto": the request's best cosine to a tool (runtime.tool_relevance) and the floor it was
    # held to; below it only the plain reply is allowed
    relevance: float | None = None
    relevance_floor: float | None = None

    @property
    def calls_allowed(self) -> bool:
        return self.relevance is None or self.relevance_floor is None or self.relevance >= self.relevance_floor


def _bad(message: str, code: str = "bad_request") -> ApiError:
    return ApiError(400, message, code)


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if len(parts) != len(content):
            raise _bad("only text content parts are supported")
        return "".join(parts)
    raise _bad("message content must be a string or a list of text parts")


def _messages(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise _bad("'messages' must be a non-empty list")
    messages = []
    for n, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise _bad(f"messages[{n}] needs a role (system, user, assistant or tool)")
        role, content = message["role"], _text(message.get("content"))
        if role == "assistant" and message.get("tool_calls"):
            calls = [{"name": c["function"]["name"], "arguments": json.loads(c["function"].get("arguments") or "{}")}
                     for c in message["tool_calls"] if isinstance(c, dict) and "function" in c]
            content = content or json.dumps(calls[0] if len(calls) == 1 else calls)
        if role == "tool":
            role, content = "user", f"Tool result ({message.get('tool_call_id', 'call')}): {content}"
        messages.append({"role": role, "content": content})
    return messages


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise _bad(f"'{key}' must be a number from {low} to {high}")
    return float(value)


def _tools(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise _bad("'tools' must be a list")
    functions = []
    for n, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _bad(f"tools[{n}] must be {{'type': 'function', 'function': {{'name': ..., 'parameters': ...}}}}")
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        _check_schema(params, f"tools[{n}].function.parameters")
        functions.append({"name": fn["name"], "description": fn.get("description", ""), "parameters": params})
    choice = body.get("tool_choice")
    if not functions:
        if choice not in (None, "none"):
            raise _bad("'tool_choice' given without 'tools'")
        return [], "none"
    if choice in (None, "auto"):
        return functions, "auto"
    if choice in ("none", "required"):
        return functions, choice
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        name = choice["function"].get("name")
        chosen = [f for f in functions if f["name"] == name]
        if not chosen:
            raise _bad(f"tool_choice names {name!r}, which is not in 'tools'")
        return chosen, "named"
    raise _bad("'tool_choice' must be 'none', 'auto', 'required' or {'type': 'function', 'function': {'name': ...}}")


def _check_schema(schema: Any, where: str) -> None:
    import jsonschema

    if not isinstance(schema, dict):
        raise _bad(f"{where} must be a JSON Schema object")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise _bad(f"{where} is not a valid JSON Schema: {exc.message}") from None


def _response_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format")
    if fmt is None or (isinstance(fmt, dict) and fmt.get("type") == "text"):
        return None
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return {"type": "object"}
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), dict):
        schema = fmt["json_schema"].get("schema")
        _check_schema(schema, "response_format.json_schema.schema")
        return schema
    raise _bad("'response_format' must be {'type': 'text' | 'json_object'} or "
               "{'type': 'json_schema', 'json_schema': {'name': ..., 'schema': {...}}}")


def parse_request(body: dict[str, Any]) -> ChatRequest:
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    max_tokens = 256 if max_tokens is None else max_tokens
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 1 <= max_tokens <= MAX_TOKENS_LIMIT:
        raise _bad(f"'max_tokens' must be an integer from 1 to {MAX_TOKENS_LIMIT}")
    if body.get("n", 1) != 1:
        raise _bad("only n = 1 is supported")
    stop = body.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise _bad("'stop' must be a string or a list of strings")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise _bad("'seed' must be an integer")
    options = {"max_tokens": max_tokens, "temperature": _number(body, "temperature", 0.0, 0.0, 2.0),
               "top_p": _number(body, "top_p", 1.0, 0.0, 1.0), "seed": seed, "stop": stop}
    tools, mode = _tools(body)
    schema = _response_schema(body)
    if schema is not None and mode not in ("none",):
        raise _bad("use either 'tools' or 'response_format' with a schema, not both")
    stream_options = body.get("stream_options") or {}
    return ChatRequest(model=body.get("model"), messages=_messages(body.get("messages")), options=options,
                       stream=bool(body.get("stream")), tools=tools if mode != "none" else [], tool_mode=mode,
                       schema=schema, include_usage=bool(stream_options.get("include_usage")))


def prepared(request: ChatRequest) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """The messages to generate from (tool instructions added) and the JSON Schema to enforce."""
    messages = list(request.messages)
    if request.tools:
        instruction = tool_prompt(request.tools, request.tool_mode)
        if messages[0]["role"] == "system":
            messages[0] = {"role": "system", "content": messages[0]["content"] + "\n\n" + instruction}
        else:
            messages.insert(0, {"role": "system", "content": instruction})
        return messages, tool_call_schema(request.tools if request.calls_allowed else [], request.tool_mode)
    if request.schema is not None:
        instruction = "Reply with JSON that matches this schema: " + json.dumps(request.schema)
        messages.insert(0 if messages[0]["role"] != "system" else 1, {"role": "system", "content": instruction})
        return messages, request.schema
    return messages, None


def completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def tool_message(text: str, tools: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """The assistant message for a constrained tool reply: a tool call, or plain content for 'auto'."""
    reply = read_tool_reply(text)
    if reply is None:
        return {"role": "assistant", "content": text}, "stop"
    if reply.is_call:
        call = {"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                "function": {"name": reply.name, "arguments": json.dumps(reply.arguments, ensure_ascii=False)}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    return {"role": "assistant", "content": reply.content}, "stop"


def usage(result: Any) -> dict[str, Any]:
    """OpenAI's usage object; ``prompt_tokens_details.cached_tokens`` counts the prompt tokens whose state
    the runtime reused from an earlier request (runtime.prefix_cache)."""
    prompt, completion = int(result.prompt_tokens), int(result.completion_tokens)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": int(getattr(result, "cached_tokens", 0) or 0)}}


def finish(result: Any) -> str:
    return "length" if result.finish_reason == "length" else "stop"


def completion(model: str, request: ChatRequest, result: Any) -> dict[str, Any]:
    if request.tools:
        message, reason = tool_message(result.text, request.tools)
        reason = "length" if result.finish_reason == "length" else reason
    else:
        message, reason = {"role": "assistant", "content": result.text}, finish(result)
    return {"id": completion_id(), "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": reason, "logprobs": None}],
            "usage": usage(result), "system_fingerprint": "kith", **relevance_note(request)}


def relevance_note(request: ChatRequest) -> dict[str, Any]:
    """A ``kith`` field saying whether the relevance floor closed the call branch (auto tool choice only)."""
    if request.relevance is None:
        return {}
    return {"kith": {"tool_relevance": round(request.relevance, 4), "relevance_floor": request.relevance_floor,
                     "calls_allowed": request.calls_allowed}}


def chunk(cid: str, model: str, delta: dict[str, Any], reason: str | None = None,
          usage_: dict[str, int] | None = None, choices: bool = True) -> str:
    data: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                            "model": model, "system_fingerprint": "kith",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}]
                            if choices else []}
    if usage_ is not None:
        data["usage"] = usage_
    return "data: " + json.dumps(data, ensure_ascii=False) + "\n\n"
