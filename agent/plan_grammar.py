"""The constrained output of the LLM planner: one JSON Schema, built from the intent registry, that
admits exactly one of a search step, a well-typed call of a registered intent, or out-of-scope.

Person and Place parameters are constrained to the user's own names when there are fewer than
`MAX_ENTITY_ENUM` of them (App Intents' entity query, enforced while decoding). Dates are plain
`YYYY-MM-DD` / `YYYY-MM-DDTHH:MM` patterns, so a decoded plan always parses.
"""
from __future__ import annotations

import copy
from typing import Any

MAX_ENTITY_ENUM = 5000
_DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
DATE = rf"^{_DAY}$"
DATE_TIME = rf"^{_DAY}T([01]\d|2[0-3]):[0-5]\d$"
QUERY_MAX = 80
TEXT_MAX = 200
SEARCH = "search"
OUT_OF_SCOPE = "out_of_scope"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _value_schema(prop: dict[str, Any], people: list[str], places: list[str]) -> dict[str, Any]:
    """A parameter's schema, simplified for guidance: entities become enums, formats become patterns."""
    entity = prop.get("x-kith-entity")
    kinds = prop.get("type")
    nullable = isinstance(kinds, list) and "null" in kinds
    base_type = [k for k in kinds if k != "null"][0] if isinstance(kinds, list) else kinds
    out: dict[str, Any]
    if entity in ("Person", "Place"):
        names = people if entity == "Person" else places
        out = {"enum": sorted(set(names))} if 0 < len(names) < MAX_ENTITY_ENUM else {"type": "string", "maxLength": 60}
    elif base_type == "array":
        out = {"type": "array", "items": _value_schema(prop.get("items", {"type": "string"}), people, places),
               "maxItems": 5}
    elif "enum" in prop:
        out = {"enum": [v for v in prop["enum"] if v is not None]}
    elif base_type == "string" and prop.get("format") == "date-time":
        out = {"type": "string", "pattern": DATE_TIME}
    elif base_type == "string" and prop.get("format") == "date":
        out = {"type": "string", "pattern": DATE}
    elif base_type == "string":
        out = {"type": "string", "maxLength": prop.get("maxLength", TEXT_MAX)}
    elif base_type in ("integer", "number", "boolean"):
        out = {"type": base_type}
        for key in ("minimum", "maximum"):
            if key in prop:
                out[key] = prop[key]
    else:
        out = {"type": "string", "maxLength": TEXT_MAX}
    return _nullable(out) if nullable else out


def intent_schema(spec: Any, people: list[str], places: list[str]) -> dict[str, Any]:
    """`{"action": "<intent>", "arguments": {...}}` for one intent, required parameters first."""
    schema = spec.input_schema or {}
    props = schema.get("properties", {})
    required = [p for p in schema.get("required", []) if p in props]
    optional = [p for p in props if p not in required]
    arguments = {"type": "object",
                 "properties": {name: _value_schema(copy.deepcopy(props[name]), people, places)
                                for name in required + optional},
                 "required": required, "additionalProperties": False}
    return {"type": "object", "properties": {"action": {"const": spec.name}, "arguments": arguments},
            "required": ["action", "arguments"], "additionalProperties": False}


def search_schema(kinds: list[str], people: list[str], places: list[str]) -> dict[str, Any]:
    person = {"enum": sorted(set(people))} if 0 < len(people) < MAX_ENTITY_ENUM else {"type": "string", "maxLength": 60}
    place = {"enum": sorted(set(places))} if 0 < len(places) < MAX_ENTITY_ENUM else {"type": "string", "maxLength": 60}
    return {"type": "object", "properties": {
        "action": {"const": SEARCH},
        "query": {"type": "string", "maxLength": QUERY_MAX},
        "kind": _nullable({"enum": list(kinds)}),
        "since": _nullable({"type": "string", "pattern": DATE}),
        "until": _nullable({"type": "string", "pattern": DATE}),
        "person": _nullable(person),
        "place": _nullable(place),
    }, "required": ["action", "query", "kind", "since", "until", "person", "place"], "additionalProperties": False}


def plan_schema(specs: list[Any], kinds: list[str], people: list[str], places: list[str]) -> dict[str, Any]:
    """The whole plan grammar. Intents answered from the index are reached through `search` as well."""
    options = [search_schema(kinds, people, places)]
    options += [intent_schema(spec, people, places) for spec in specs]
    options.append({"type": "object", "properties": {"action": {"const": OUT_OF_SCOPE}}, "required": ["action"],
                    "additionalProperties": False})
    # compact JSON: a small model free to add whitespace can spend its whole budget on it
    return {"x-guidance": {"whitespace_flexible": False}, "anyOf": options}
