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
            message = "is required"
        elif err.validator == "additionalProperties":
            extra = _QUOTED.findall(err.message)
            known = ", ".join(spec.input_schema.get("properties", {})) or "none"
            path.append(extra[0] if extra else "?")
            message = f"unknown argument (expected: {known})"
        else:
            message = err.message
        errors.append({"type": "validation", "field": ".".join(path), "message": message})
    return errors


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
                                 "message": "unions of entity types are not supported"})
    args = get_args(tp)
    if args and isinstance(value, list) and _mentions_entity(args[0]):
        return [convert(args[0], item, f"{field}.{i}", context) for i, item in enumerate(value)]
    try:
        return _adapter(tp).validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise ArgumentError({"type": "validation", "field": f"{field}.{loc}" if loc else field,
                             "message": first.get("msg", "invalid value")}) from None


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


