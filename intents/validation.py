"""Argument validation: JSON Schema first (structured errors naming the field), then conversion to
Python values (dates, enums, models) and entity resolution, all before the intent runs."""
from __future__ import annotations

import re
from typing import Any, get_args

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import TypeAdapter, ValidationError

from intents.decorator import IntentSpec
from intents.errors import ArgumentError
from intents.schema import entity_class, is_union, split_annotated

_QUOTED = re.compile(r"'([^']+)'")
_validators: dict[int, Draft202012Validator] = {}


def schema_errors(spec: IntentSpec, arguments: Any) -> list[dict[str, Any]]:
    """Every JSON Schema violation as {"type": "validation", "field", "message"}."""
    if not isinstance(arguments, dict):
        return [{"type": "validation", "field": "", "message": "arguments must be a JSON object"}]
    key = id(spec.input_schema)
    validator = _validators.get(key)
    if validator is None:
        validator = _validators[key] = Draft202012Validator(spec.input_schema, format_checker=FormatChecker())
    errors = []
    for err in sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            missing = _QUOTED.findall(err.message)
            path.append(missing[0] if missing else "?")
            name = ".".join(path)
            message = f"parameter {name!r} is required ({expected(spec, name)})"
        elif err.validator == "additionalProperties":
            extra = _QUOTED.findall(err.message)
            known = ", ".join(spec.input_schema.get("properties", {})) or "none"
            path.append(extra[0] if extra else "?")
            message = f"unknown parameter {'.'.join(path)!r} (expected: {known})"
        else:
            name = ".".join(path)
            message = f"parameter {name!r}: {err.message} ({expected(spec, name)})" if name else err.message
        errors.append({"type": "validation", "field": ".".join(path), "message": message})
    return errors


def expected(spec: IntentSpec, field: str) -> str:
    """What a parameter takes, in words: its description and its type (an entity's own description)."""
    top = field.split(".")[0]
    param = next((p for p in spec.params if p.name == top), None)
    schema = spec.input_schema.get("properties", {}).get(top, {})
    parts = [schema["description"]] if schema.get("description") else []
    tp = split_annotated(param.annotation)[0] if param is not None else None
    members = [m for m in get_args(tp) if m is not type(None)] if tp is not None and is_union(tp) else [tp]
    entity = next((e for e in map(entity_class, members) if e is not None), None) if tp is not None else None
    kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
    kind = next((k for k in kinds if k not in (None, "null")), None)
    if entity is not None:
        described = getattr(entity, "entity_description", "") or entity.entity_name
        parts.append(described[0].lower() + described[1:])
    elif "enum" in schema:
        parts.append("one of " + ", ".join(repr(v) for v in schema["enum"] if v is not None))
    elif schema.get("format") in ("date", "date-time"):
        parts.append("a date, YYYY-MM-DD" if schema["format"] == "date" else "a date and time, ISO 8601")
    elif kind in _TYPE_WORDS:
        parts.append(_TYPE_WORDS[kind])
    return "; ".join(parts) or "see the intent's schema"


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a JSON object"}


def validate_arguments(spec: IntentSpec, arguments: dict[str, Any], context: Any) -> dict[str, Any]:
    """Validated, converted and resolved keyword arguments for ``spec.func``; raises ArgumentError."""
    errors = schema_errors(spec, arguments)
    if errors:
        raise ArgumentError(_combine(errors))
    kwargs: dict[str, Any] = {}
    for param in spec.params:
        if param.name not in arguments:
            kwargs[param.name] = param.default
            continue
        kwargs[param.name] = convert(param.annotation, arguments[param.name], param.name, context)
    return kwargs


def convert(annotation: Any, value: Any, field: str, context: Any) -> Any:
    tp, _ = split_annotated(annotation)
    if value is None:
        return None
    entity = entity_class(tp)
    if entity is not None:
        return entity.resolve(value, context, field)
    if is_union(tp):
        members = [m for m in get_args(tp) if m is not type(None)]
        if len(members) == 1:
            return convert(members[0], value, field, context)
        if any(_mentions_entity(m) for m in members):
            raise ArgumentError({"type": "validation", "field": field,
                                 "message": f"parameter {field!r}: unions of entity types are not supported"})
    args = get_args(tp)
    if args and isinstance(value, list) and _mentions_entity(args[0]):
        return [convert(args[0], item, f"{field}.{i}", context) for i, item in enumerate(value)]
    try:
        return _adapter(tp).validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        name = f"{field}.{loc}" if loc else field
        raise ArgumentError({"type": "validation", "field": name,
                             "message": f"parameter {name!r}: {first.get('msg', 'invalid value')}"}) from None


def _mentions_entity(tp: Any) -> bool:
    tp, _ = split_annotated(tp)
    if entity_class(tp) is not None:
        return True
    return any(_mentions_entity(a) for a in get_args(tp) if a is not Ellipsis)


_adapters: dict[Any, TypeAdapter] = {}


def _adapter(tp: Any) -> TypeAdapter:
    try:
        return _adapters.setdefault(tp, _adapters.get(tp) or TypeAdapter(tp))
    except TypeError:  # unhashable annotation
        return TypeAdapter(tp)


def _combine(errors: list[dict[str, Any]]) -> dict[str, Any]:
    first = errors[0]
    return {"type": "validation", "field": first["field"], "message": first["message"], "errors": errors}


