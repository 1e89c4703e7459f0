"""OpenAI strict-mode function tools: every property required (optional ones as unions with null),
``additionalProperties: false`` on every object, and no keywords strict mode rejects."""
from __future__ import annotations

import copy
from typing import Any

from intents.schema import nullable_schema

_DROP = {"$schema", "default", "title", "uniqueItems"}


def to_openai_tools(specs: list[Any]) -> list[dict[str, Any]]:
    return [to_openai_tool(spec) for spec in specs]


def to_openai_tool(spec: Any) -> dict[str, Any]:
    params = strict_schema(spec.input_schema)
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": f"{spec.title}. {spec.description}"[:1024],
            "parameters": params,
            "strict": True,
        },
    }


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    out = _clean(copy.deepcopy(schema))
    return out


def _clean(node: Any) -> Any:
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _clean(v) for k, v in node.items() if k not in _DROP and not k.startswith("x-")}
    if "properties" in node and isinstance(node["properties"], dict):
        required = set(node.get("required", []))
        props = {}
        for name, prop in node["properties"].items():
            props[name] = prop if name in required or _accepts_null(prop) else nullable_schema(prop)
        node["properties"] = props
        node["required"] = list(props)
        node["additionalProperties"] = False
        node.setdefault("type", "object")
    elif node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def _accepts_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(s.get("type") == "null" for s in schema.get("anyOf", []))
