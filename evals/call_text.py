"""Function calls read out of free text (the unconstrained row of `kith eval tools`).

A model left free may answer ``{"name": ..., "arguments": {...}}`` (or ``"parameters"``), a list of
those, ``<tool_call>...</tool_call>`` around them, BFCL's ``{"func": {params}}``, or Python syntax
``func(a=1, b="x")``. The first of these found in the text is the model's answer; text with none of
them is "no call" (which is what BFCL's irrelevance categories count as correct).
"""
from __future__ import annotations

import ast
import json
from typing import Any

Call = tuple[str, dict[str, Any]]


def _as_calls(value: Any, names: set[str]) -> list[Call] | None:
    if isinstance(value, list):
        calls = [c for item in value for c in (_as_calls(item, names) or [])]
        return calls or None
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("name"), str):
        args = value.get("arguments", value.get("parameters"))
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                return None
        if isinstance(args, dict):
            return [(value["name"], args)]
        return None
    if len(value) == 1:
        (name, args), = value.items()
        if name in names and isinstance(args, dict):
            return [(name, args)]
    return None


def _json_calls(text: str, names: set[str]) -> list[Call] | None:
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char not in "{[":
            continue
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        calls = _as_calls(value, names)
        if calls:
            return calls
    return None


def _literal(node: ast.AST) -> Any:
    return ast.literal_eval(node)


def _python_call(text: str, name: str, order: list[str]) -> Call | None:
    """``name(...)`` at the start of ``text``, with literal arguments."""
    depth, quote, end = 0, "", -1
    for i, char in enumerate(text[len(name):], len(name)):
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                end = i + 1
                break
    if end < 0:
        return None
    try:
        node = ast.parse(text[:end], mode="eval").body
        if not isinstance(node, ast.Call):
            return None
        args = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
        for param, value in zip(order, node.args):
            args.setdefault(param, _literal(value))
    except (SyntaxError, ValueError, TypeError, RecursionError):
        return None
    args = {k: list(v) if isinstance(v, tuple) else v for k, v in args.items()}
    return name, args


def parse_calls(text: str, functions: list[dict[str, Any]]) -> list[Call]:
    """The calls in ``text`` (``[]`` = no call); ``functions`` are the item's docs (names, parameter order)."""
    names = {f["name"] for f in functions}
    calls = _json_calls(text, names)
    if calls:
        return calls
    found: list[tuple[int, Call]] = []
    for function in functions:
        name = function["name"]
        order = list(((function.get("parameters") or {}).get("properties") or {}))
        start = text.find(name + "(")
        while start >= 0:
            before = text[start - 1] if start else " "
            if not (before.isalnum() or before in "_."):
                call = _python_call(text[start:], name, order)
                if call is not None:
                    found.append((start, call))
                    break
            start = text.find(name + "(", start + 1)
    return [call for _, call in sorted(found, key=lambda pair: pair[0])]
