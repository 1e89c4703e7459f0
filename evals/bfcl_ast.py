"""BFCL's AST checker for one call (the `simple` categories), re-implemented from its documented rules.

A call ``(name, arguments)`` is correct against a function doc and its possible answer
``{param: [allowed values]}`` when:
- the name is the function's;
- every parameter the doc requires is given, and no parameter is given that the doc or the possible
  answer does not know;
- each value has the doc's Python type (``int`` is accepted for ``float``; ``bool`` is not an ``int``;
  a value of the possible answer's own type, e.g. a string naming a variable, is accepted too), with
  the elements of an ``array``/``tuple`` checked against the item type;
- each value is among the allowed ones: strings compared after BFCL's normalisation (spaces and
  ``,./-_*^`` removed, lower case, ``'`` read as ``"``), lists element by element with the same
  normalisation, dicts key by key, lists of dicts dict by dict in order, anything else by ``==``;
- every possible-answer parameter that is not given allows ``""`` (may be left out).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PY_TYPES: dict[str, type] = {"string": str, "integer": int, "float": float, "boolean": bool, "array": list,
                             "tuple": list, "dict": dict, "any": str}
NESTED = ("array", "tuple")
_PUNCT = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class Verdict:
    """The checker's answer: ``error`` is BFCL's error type (e.g. ``wrong_func_name``) when not valid."""

    valid: bool
    error: str = ""
    detail: str = ""


OK = Verdict(True)


def normalize(text: str) -> str:
    return _PUNCT.sub("", text).lower().replace("'", '"')


def _norm(value: Any) -> Any:
    return normalize(value) if isinstance(value, str) else value


def _answer_type(allowed: list[Any]) -> type | None:
    """The type of the first allowed value that is not the "may be left out" marker."""
    for value in allowed:
        if value != "":
            return type(value)
    return None


def _type_ok(value: Any, allowed: list[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """(type is acceptable, value is a variable), following BFCL's one-level nested rule."""
    answer_type = _answer_type(allowed)
    variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, variable
        for alternative in allowed:
            if not isinstance(alternative, list):
                return True, variable  # an alternative that is not a list ("") imposes no item type
            if all(_type_ok(item, alternative, nested, None)[0] for item in value):
                return True, variable
        return False, variable
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, variable


def _dict_ok(value: dict[str, Any], alternatives: list[Any]) -> bool:
    for allowed in alternatives:
        if allowed == "" or not isinstance(allowed, dict):
            continue
        if any(key not in allowed or _norm(v) not in [_norm(a) for a in allowed[key]] for key, v in value.items()):
            continue
        if any(key not in value and "" not in values for key, values in allowed.items()):
            continue
        return True
    return False


def _list_of_dicts_ok(value: list[Any], alternatives: list[Any]) -> bool:
    for allowed in alternatives:
        if isinstance(allowed, list) and len(allowed) == len(value) and all(
                isinstance(v, dict) and _dict_ok(v, [a]) for v, a in zip(value, allowed)):
            return True
    return False


def _list_ok(value: list[Any], alternatives: list[Any]) -> bool:
    wanted = [_norm(v) for v in value]
    return any(isinstance(a, list) and [_norm(x) for x in a] == wanted for a in alternatives)


def check_call(function: dict[str, Any], name: str, arguments: dict[str, Any], answer: dict[str, Any]) -> Verdict:
    """Check one call against ``function`` (a BFCL doc) and ``answer`` (``{name: {param: [values]}}``)."""
    allowed_by_param: dict[str, list[Any]] = next(iter(answer.values()))
    params = (function.get("parameters") or {}).get("properties") or {}
    required = (function.get("parameters") or {}).get("required") or []
    if name != function["name"]:
        return Verdict(False, "wrong_func_name", f"expected {function['name']!r}, got {name!r}")
    for param in required:
        if param not in arguments:
            return Verdict(False, "missing_required", f"missing required parameter {param!r}")
    for param, value in arguments.items():
        if param not in params or param not in allowed_by_param:
            return Verdict(False, "unexpected_param", f"unexpected parameter {param!r}")
        allowed = allowed_by_param[param]
        kind = str(params[param].get("type", "string"))
        expected = PY_TYPES.get(kind, str)
        nested = None
        if kind in NESTED:
            nested = PY_TYPES.get(str((params[param].get("items") or {}).get("type", "string")), str)
        if kind == "float" and type(value) is int:
            value = float(value)
        type_ok, variable = _type_ok(value, allowed, expected, nested)
        if not type_ok:
            return Verdict(False, "type_error", f"{param!r}: expected {kind}, got {type(value).__name__} {value!r}")
        if not variable:
            if expected is dict:
                ok = _dict_ok(value, allowed)
            elif expected is list and nested is dict:
                ok = _list_of_dicts_ok(value, allowed)
            elif expected is str:
                ok = normalize(value) in [normalize(a) for a in allowed if isinstance(a, str)]
            elif expected is list:
                ok = _list_ok(value, allowed)
            else:
                ok = value in allowed
        else:
            ok = value in allowed
        if not ok:
            return Verdict(False, "value_error", f"{param!r}: {value!r} is not one of {allowed!r}")
    for param, allowed in allowed_by_param.items():
        if param not in arguments and "" not in allowed:
            return Verdict(False, "missing_optional", f"parameter {param!r} is needed by the answer")
    return OK


def check_calls(functions: list[dict[str, Any]], calls: list[tuple[str, dict[str, Any]]],
                ground_truth: list[dict[str, Any]]) -> Verdict:
    """A simple item: exactly one call, checked against the first function doc and possible answer."""
    if len(calls) != 1:
        return Verdict(False, "wrong_count", f"{len(calls)} calls, expected 1")
    name, arguments = calls[0]
    return check_call(functions[0], name, arguments, ground_truth[0])
