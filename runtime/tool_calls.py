"""Tool calls through constrained decoding, shared by `kith serve` (OpenAI ``tools`` + ``tool_choice``)
and `kith eval tools` (BFCL).

A tool is ``{"name": str, "description": str, "parameters": <JSON Schema object>}``. The reply schema
admits exactly one ``{"name": <one tool's name>, "arguments": <that tool's parameters>}`` (``anyOf``
over the tools) and, in mode ``auto``, ``{"content": string}``: a reply without a call. So a decoded
tool call always names a given tool and its arguments always match that tool's schema.
``tool_prompt`` lists the tools for the system prompt (in full, or compactly, one line per tool and
parameter, when prefill time matters); ``read_tool_reply`` reads a constrained reply back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

NO_CALL_KEY = "content"
DESCRIPTION_CHARS = 100


def tool_call_schema(tools: list[dict[str, Any]], mode: str, *, reply_max_chars: int | None = None) -> dict[str, Any]:
    """The JSON Schema of one call of one of ``tools`` (``auto``: or a plain reply, at most
    ``reply_max_chars`` long when given)."""
    options: list[dict[str, Any]] = [
        {"type": "object", "properties": {"name": {"const": t["name"]}, "arguments": t["parameters"]},
         "required": ["name", "arguments"], "additionalProperties": False} for t in tools]
    if mode == "auto":
        reply: dict[str, Any] = {"type": "string"}
        if reply_max_chars is not None:
            reply["maxLength"] = reply_max_chars
        options.append({"type": "object", "properties": {NO_CALL_KEY: reply}, "required": [NO_CALL_KEY],
                        "additionalProperties": False})
    return options[0] if len(options) == 1 else {"anyOf": options}


def tool_prompt(tools: list[dict[str, Any]], mode: str, *, compact: bool = False) -> str:
    """The instruction that lists the tools. ``compact`` writes signatures instead of whole JSON Schemas
    (the reply schema enforces the types anyway; the prompt only has to say what each tool is for) and
    says what to reply after the list, where a small model still attends to it."""
    if compact:
        lines = ["You can call these functions:"]
        for tool in tools:
            lines.extend(_compact(tool))
        lines.append('Reply with one JSON object: {"name": FUNCTION, "arguments": {...}} when a function does what '
                     'the user asks' + ('; otherwise {"content": "I cannot do that"}.' if mode == "auto" else "."))
        return "\n".join(lines)
    lines = ["You can call these tools. Reply with one JSON object "
             '{"name": TOOL_NAME, "arguments": {...}} that matches the tool\'s parameters'
             + (', or {"content": "your reply"} when no tool fits the request.' if mode == "auto" else ".")]
    for tool in tools:
        lines.append(f"- {tool['name']}: {tool['description']} parameters: {json.dumps(tool['parameters'])}")
    return "\n".join(lines)


def _short(text: Any, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def type_label(schema: dict[str, Any]) -> str:
    """``integer``, ``array[string]``, ``one of "a", "b"``...: a parameter's type in a few tokens."""
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"][:12])
    kind = schema.get("type", "any")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array[{type_label(schema['items'])}]"
    if kind == "object" and schema.get("properties"):
        return "object{" + ", ".join(schema["properties"]) + "}"
    return kind if isinstance(kind, str) else "|".join(kind)


def _compact(tool: dict[str, Any]) -> list[str]:
    params = tool.get("parameters") or {}
    props = params.get("properties") or {}
    required = set(params.get("required") or [])
    lines = [f"- {tool['name']}: {_short(tool.get('description'), 2 * DESCRIPTION_CHARS)}"]
    for name, schema in props.items():
        flags = "required" if name in required else "optional"
        if "default" in schema:
            flags += f", default {json.dumps(schema['default'])}"
        text = _short(schema.get("description"))
        lines.append(f"  {name} ({type_label(schema)}, {flags})" + (f": {text}" if text else ""))
    return lines


@dataclass
class ToolReply:
    """A constrained reply read back: a call (``name`` and ``arguments``) or plain ``content``."""

    name: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    content: str | None = None

    @property
    def is_call(self) -> bool:
        return self.name is not None


def read_tool_reply(text: str) -> ToolReply | None:
    """The call or the plain reply in ``text``; ``None`` when it is not such a JSON object (e.g. cut off)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("name"), str) and isinstance(data.get("arguments"), dict):
        return ToolReply(name=data["name"], arguments=data["arguments"])
    if isinstance(data.get(NO_CALL_KEY), str):
        return ToolReply(content=data[NO_CALL_KEY])
    return None


CALL_OPENING, NO_CALL_OPENING = '{"name"', '{"' + NO_CALL_KEY + '"'


def call_margin(generator: Any, messages: list[dict[str, str]], adapter: str | None = None) -> float | None:
    """log P(call) - log P(no call) at the reply's first choice (the key after ``{"``), under the model with
    ``adapter``; None when the generator cannot score branches or the prompt is too long. A call whose
    margin is below a threshold measured on held-in items is turned into the no-call reply (`kith eval
    tools --no-call-margin`): a small model's grammar-constrained reply prefers to call."""
    from runtime.errors import RuntimeModelError

    branch = getattr(generator, "branch_logprobs", None)
    if branch is None:
        return None
    try:
        call, no_call = branch(messages, [CALL_OPENING, NO_CALL_OPENING], adapter=adapter)
    except (ValueError, RuntimeModelError):
        return None
    return call - no_call
